"""The content-generation worker: research → writing → SEO, in the spec's progress bands."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.db.models import Q

from jobs import research, seo
from jobs.eta import recent_durations, typical_duration
from jobs.models import GenerationJob
from jobs.progress import JobProgress
from jobs.providers.llm import get_llm_provider
from jobs.providers.llm.base import ArticleBrief
from profiles.models import Content
from text_rules.keyphrases import focus_keyphrase
from text_rules.text import clean_text

# Overall percentage bands of the three stages (story VIP-10211).
RESEARCH = (0.0, 33.0)
WRITING = (33.0, 66.0)
SEO = (66.0, 100.0)
NOTES_PER_ARTICLE = 12


class StageReporter:
    """Reports progress inside one stage's band: stage_progress 0-100 → overall percentage."""

    def __init__(self, progress: JobProgress, stage: str, band: tuple[float, float]):
        self.progress, self.stage, self.band = progress, stage, band
        self.fraction = 0.0

    def __call__(self, fraction: float, message: str) -> None:
        # A provider's own "starting" report (0.0) must not move the bar back.
        fraction = self.fraction = max(self.fraction, min(1.0, fraction))
        low, high = self.band
        self.progress.report(self.stage, low + (high - low) * fraction, message, stage_progress=round(fraction * 100, 1))


def keyphrase_of(text: str) -> str:
    """The phrase the article optimises for, from its topic ("5 ways to fix your posture" → "fix your posture").

    A topic with no keyphrase at all (only numbers or stop words) falls back to its first two words.
    """
    return focus_keyphrase(text) or " ".join(clean_text(text, keep_mentions=False).lower().split()[:2])


def topic_of_source(source_text: str) -> str:
    """Spin mode's topic: the source's first heading or first sentence, without Markdown."""
    for line in source_text.splitlines():
        line = line.strip().lstrip("#").strip()
        if line:
            return line.split(". ")[0][:300]
    return ""


def analyse_keywords(keywords: list[str]) -> list[tuple[str, int]]:
    """Each keyword with the number of stored reels mentioning it, best covered first.

    The first keyword stays the focus keyphrase (the creator chose it); coverage orders the
    others, so the research leans on what the knowledge base can actually support.
    """
    coverage = []
    for keyword in keywords:
        tag = keyword.replace(" ", "").lower()
        count = Content.objects.filter(
            Q(description__icontains=keyword) | Q(transcript__icontains=keyword) | Q(hashtags__icontains=tag)
        ).count()
        coverage.append((keyword, count))
    return [coverage[0]] + sorted(coverage[1:], key=lambda item: (-item[1], item[0]))


def generate_article(job: GenerationJob, progress: JobProgress) -> None:
    """Research, write and optimise one article.

    1. research (0-33 %): trends picks its topic from the highest-outlier reels; keywords
       analyses keyword coverage; then notes are gathered from the local knowledge base
       (spin mode skips this stage: the source text is the material)
    2. writing (33-66 %): the LLM provider writes the article, reporting as it goes
    3. seo (66-100 %): meta title/description, keyphrase placement, density, readability
    """
    progress.typical_duration = typical_duration(recent_durations(GenerationJob, mode=job.mode))
    topic, keyphrase, keywords = job.topic, job.keyphrase, list(job.keywords)
    notes: list = []

    if job.mode == GenerationJob.Mode.SPIN:
        topic = topic or topic_of_source(job.source_text)
        keyphrase = keyphrase or keyphrase_of(topic)
        progress.report("writing", WRITING[0], "Spin mode: no research, the source text is the material", stage_progress=0)
    else:
        report = StageReporter(progress, "research", RESEARCH)
        report(0.02, "Starting research")
        if job.mode == GenerationJob.Mode.TRENDS:
            report(0.05, "Finding the trending topic among the highest-outlier reels")
            trend = research.pick_trending_topic()
            topic, keyphrase = trend.topic, keyphrase or trend.keyphrase
            keywords = list(trend.keywords)
            report(0.25, f"Trending topic: {topic} (from {len(trend.source_reels)} reels)")
        elif job.mode == GenerationJob.Mode.KEYWORDS:
            report(0.05, f"Analysing {len(keywords)} keywords against the stored reels")
            coverage = analyse_keywords(keywords)
            keywords = [keyword for keyword, _ in coverage]
            keyphrase = keyphrase or keywords[0]
            topic = topic or ", ".join(keywords[:3])
            report(0.25, "Keyword coverage: " + ", ".join(f"{k} ({n} reels)" for k, n in coverage[:5]))
        keyphrase = keyphrase or keyphrase_of(topic)
        notes = research.gather_notes(
            query=f"{topic} {keyphrase}",
            keywords=keywords,
            limit=NOTES_PER_ARTICLE,
            documents_dir=settings.RESEARCH_DOCS_DIR,
            on_progress=lambda fraction, message: report(0.3 + 0.65 * fraction, message),
        )
        report(1.0, f"Research done: {len(notes)} notes")

    writer = get_llm_provider()
    brief = ArticleBrief(
        mode=job.mode, topic=topic, keyphrase=keyphrase, keywords=tuple(keywords), tone=job.tone,
        word_count=job.word_count, notes=tuple(notes), source_text=job.source_text,
    )
    write_report = StageReporter(progress, "writing", WRITING)
    write_report(0.01, f"Writing about {topic!r} with {writer.name}")
    article = writer.write_article(brief, on_progress=write_report)
    write_report(1.0, f"Draft written: {len(article.markdown.split())} words")

    seo_report = StageReporter(progress, "seo", SEO)
    seo_report(0.1, "Optimising meta title, description, intro and headings")
    optimised = seo.optimise(article.markdown, keyphrase=keyphrase, topic=topic)
    seo_report(0.6, "Scoring keyphrase use, length and readability")
    scored = seo.analyse(
        optimised.markdown, keyphrase=keyphrase, target_word_count=job.word_count,
        meta_title=optimised.meta_title, meta_description=optimised.meta_description,
    )
    seo_report(0.9, f"SEO score {scored.seo_score}/100, readability {scored.readability_score}")

    with transaction.atomic():
        progress.complete(
            f"Article ready: {scored.word_count} words, SEO {scored.seo_score}/100",
            fields={
                "resolved_topic": topic[:300],
                "keyphrase": keyphrase[:100],
                "keywords": keywords,
                "research_notes": [
                    {"source": n.source, "title": n.title, "url": n.url, "score": round(n.score, 3)} for n in notes
                ],
                "result_content": optimised.markdown,
                "meta_title": optimised.meta_title[:200],
                "meta_description": optimised.meta_description[:300],
                "result_word_count": scored.word_count,
                "seo_score": scored.seo_score,
                "readability_score": scored.readability_score,
                "seo_checks": scored.checks,
                "writer": article.model or writer.name,
                "stage_progress": 100,
                "estimated_completion": None,
            },
        )
