"""OfflineWriter: a deterministic article composer, not a language model.

It needs no model and no network. It assembles an article from the brief with fixed rules:

1. the research notes are cleaned (no hashtags, emoji, links or calls to follow/comment/save),
   split into sentences and de-duplicated (writer_material.gather_material);
2. their most widespread meaningful words and phrases become the section themes
   (writer_material.extract_themes);
3. each section quotes or restates the notes' advice with light attribution, and when the notes
   run out it adds connective sentences from the tone's templates (writer_wording), filled with
   the section's theme and the brief's keywords (_Composer);
4. the article is balanced to within 3 % of the word count by adding or dropping connective
   sentences, never the notes' own advice first.

Spin mode rewrites the source text paragraph by paragraph with the rules of spin_rewrites
(synonyms, stock phrases, sentence openings) and gives it a title, headings and a conclusion
(_Spinner). Same brief, same article, every time.

Where things are: the tones and every template in writer_wording; what is read from the notes in
writer_material; spin mode's word and sentence rules in spin_rewrites; cleaning, sentences, word
counts and title case in text_rules.text, shared with the other apps.

Viral ideas are composed the same way: the outlier reels are taken round-robin across competitors,
strongest first; each idea keeps its source's hook type (question, number_list, how_to, contrarian,
story, curiosity_gap, bold_claim, statement) and fills that type's templates with the topic and
audience read from the creator's strategy, then cites the source multipliers and the matching
cross-competitor patterns. Same brief, same ideas.
"""

from __future__ import annotations

import math
import re
import time
import zlib
from collections import Counter
from dataclasses import dataclass, field

from jobs.errors import PermanentJobError
from jobs.providers.llm.base import (
    Article,
    ArticleBrief,
    ContentIdea,
    IdeasBrief,
    IdeaSource,
    ProgressCallback,
)
from jobs.providers.llm.spin_rewrites import PRONOUNS, REFERRING_STARTS, SYNONYMS, restructure, rewrite_words
from jobs.providers.llm.writer_material import (
    STOPWORDS,
    VERB_CUES,
    Hook,
    Material,
    Tip,
    extract_themes,
    finish_sentence,
    gather_material,
    is_theme_word,
    join_list,
    normal_form,
    stem,
    stem_set,
)
from jobs.providers.llm.writer_wording import (
    CONCLUSION_EXTRAS,
    DOCUMENT_ATTRIBUTIONS,
    ELABORATIONS,
    FALLBACK_HEADINGS,
    HOOK_TEMPLATES,
    INTRO_EXTRAS,
    INTRO_EXTRAS_FROM_NOTES,
    TONES,
    resolve_tone,
)
from text_rules.text import SMALL_TITLE_WORDS, WORD_RE, capitalize, clean_lines, count_words, split_sentences, title_case

MODEL_NAME = "offline-composer-1"

# The writer cleans notes and sources with clean_lines (no links, hashtags, mentions or emoji; lines
# kept; an ellipsis ends a sentence); the ideas composer and the model path import it as clean_text.
clean_text = clean_lines

# The viral-ideas composer below still uses these private names; once it is a module of its own it
# imports them from text_rules.text and jobs.providers.llm.writer_material by their public names.
_WORD_RE, _SMALL_TITLE_WORDS, _capitalize = WORD_RE, SMALL_TITLE_WORDS, capitalize
_normal_form, _finish, _stem, _stems = normal_form, finish_sentence, stem, stem_set
_is_theme_word, _VERB_CUES, _join_list = is_theme_word, VERB_CUES, join_list


class OfflineWriter:
    """Composes articles and content ideas from the brief with fixed rules; no model, no network."""

    name = "offline"

    def __init__(self, *, step_delay_seconds: float = 0.0):
        # Simulated thinking time per step, so a local demo shows progress the way a model would.
        self.step_delay_seconds = max(0.0, float(step_delay_seconds))

    def write_article(self, brief: ArticleBrief, *, on_progress: ProgressCallback | None = None) -> Article:
        """A Markdown article of about brief.word_count words in brief.tone, the same for the same brief."""

        def report(fraction: float, message: str) -> None:
            if on_progress is not None:
                on_progress(fraction, message)
            if self.step_delay_seconds:
                time.sleep(self.step_delay_seconds)

        tone_name = resolve_tone(brief.tone)
        if brief.mode == "spin" and brief.source_text.strip():
            markdown, title = _Spinner(brief, tone_name).compose(report)
        else:
            markdown, title = _Composer(brief, tone_name).compose(report)
        if on_progress is not None:
            on_progress(1.0, "Article composed")
        return Article(
            title=title,
            markdown=markdown,
            model=MODEL_NAME,
            usage={"words": count_words(markdown), "tone": tone_name},
        )

    def compose_ideas(self, brief: IdeasBrief, *, on_progress: ProgressCallback | None = None) -> list[ContentIdea]:
        """brief.count distinct ideas adapted from the outlier reels with fixed templates.

        This is not a language model: no text is generated, only chosen and filled in.

        Sources are taken round-robin across competitors, strongest first; each idea keeps its source's
        hook type, puts the creator's topic and audience into that hook type's templates, and scores
        itself by the mean outlier multiplier of the reels it cites. Same brief, same ideas.
        """

        def report(fraction: float, message: str) -> None:
            if on_progress is not None:
                on_progress(fraction, message)
            if self.step_delay_seconds:
                time.sleep(self.step_delay_seconds)

        return compose_ideas_from_outliers(brief, report)



def _seed(*parts: str) -> int:
    return zlib.crc32("|".join(parts).encode("utf-8"))


# ---------------------------------------------------------------- topic, keywords and trends modes


@dataclass
class _Section:
    heading: str
    theme: str
    stems: set[str]
    budget: int
    tips: list[Tip] = field(default_factory=list)
    hooks: list[Hook] = field(default_factory=list)
    chosen: list[tuple[str, str]] = field(default_factory=list)  # (kind, rendered sentence)


class _Composer:
    """Builds title, intro, themed sections and conclusion to a word budget."""

    def __init__(self, brief: ArticleBrief, tone_name: str):
        self.brief = brief
        self.tone = TONES[tone_name]
        self.target = max(120, int(brief.word_count or 800))
        self.topic = (brief.topic or brief.keyphrase or (brief.keywords[0] if brief.keywords else "") or "this topic").strip()
        self.keyphrase = (brief.keyphrase or self.topic).strip()
        self.seed = _seed(self.topic, self.keyphrase, tone_name, brief.mode)
        self.used: set[str] = set()
        self.sections: list[_Section] = []
        self.keywords: list[str] = []
        self.template_uses: Counter[int] = Counter()
        self.cited_notes: set[int] = set()
        self.attribution_count = 0
        self.transition_count = 0

    def pick(self, options: tuple[str, ...], salt: int = 0) -> str:
        return options[(self.seed + salt) % len(options)]

    def fill(self, template: str, *, theme: str = "", keyword: str = "", themes: str = "", hook: str = "") -> str:
        return template.format(
            keyphrase=self.keyphrase,
            Keyphrase=title_case(self.keyphrase),
            topic=self.topic,
            theme=theme,
            Theme=capitalize(theme),
            keyword=keyword,
            Keyword=capitalize(keyword),
            themes=themes,
            hook=hook,
        )

    def compose(self, report: ProgressCallback) -> tuple[str, str]:
        material = gather_material(self.brief.notes)
        section_count = min(6, max(3, round(self.target / 220)))
        themes = extract_themes(
            material.sentences(), keyphrase=self.keyphrase, keywords=self.brief.keywords, limit=section_count - 1
        )
        self.keywords = [keyword.strip() for keyword in self.brief.keywords if keyword.strip()] or themes[:]
        title = self.fill(self.pick(self.tone.titles))
        sections = self._plan_sections(themes, section_count)
        self.sections = sections
        theme_names = [section.theme for section in sections[1:] if section.theme != self.keyphrase] or [self.keyphrase]
        intro_budget = max(30, round(self.target * 0.11))
        conclusion_budget = max(28, round(self.target * 0.09))
        body_budget = self.target - count_words(title) - intro_budget - conclusion_budget
        for section in sections:
            section.budget = max(40, round(body_budget / len(sections)))
        self._assign(material, sections)
        report(0.05, "Planned the outline")
        intro = self._intro(theme_names, intro_budget)
        total_steps = len(sections) + 2
        for number, section in enumerate(sections, start=1):
            self._fill_section(section, number)
            report(min(0.9, (number + 1) / total_steps), f"Composed section {number} of {len(sections)}: {section.heading}")
        conclusion_heading = self.pick(self.tone.conclusion_headings)
        conclusion = self._conclusion(theme_names, conclusion_budget)
        self._balance(title, intro, sections, conclusion_heading, conclusion)
        report(0.95, "Balanced the length")
        return self._render(title, intro, sections, conclusion_heading, conclusion), title

    def _plan_sections(self, themes: list[str], section_count: int) -> list[_Section]:
        first = self.fill(self.pick(self.tone.keyphrase_headings))
        keyphrase_stems = stem_set(self.keyphrase) | stem_set(self.topic)
        sections = [_Section(first, self.keyphrase, keyphrase_stems, 0)]
        keywords = [k.strip() for k in self.brief.keywords if k.strip() and k.strip().lower() not in map(str.lower, themes)]
        patterns = self.tone.theme_headings
        offset = self.seed % len(patterns)
        # Weak notes make fewer, longer sections rather than sections about invented themes.
        for index, theme in enumerate((themes + keywords)[: section_count - 1]):
            heading = self.fill(patterns[(offset + index) % len(patterns)], theme=title_case(theme))
            sections.append(_Section(heading, theme, stem_set(theme), 0))
        # The topic, when it says more than the keyphrase, gives a fallback section words of its own.
        fallback_themes = [self.topic] if stem_set(self.topic) - stem_set(self.keyphrase) else []
        for index, heading in enumerate(FALLBACK_HEADINGS[: max(0, 3 - len(sections))]):
            theme = fallback_themes[index] if index < len(fallback_themes) else self.keyphrase
            sections.append(_Section(self.fill(heading), theme, keyphrase_stems, 0))
        return sections

    def _assign(self, material: Material, sections: list[_Section]) -> None:
        """Each tip and hook goes to the section whose theme it shares most words with."""
        load = [0] * len(sections)

        def best(stems: set[str]) -> int:
            overlaps = [len(stems & section.stems) for section in sections]
            top = max(overlaps)
            if top == 0:
                return min(range(len(sections)), key=lambda i: (load[i], i))
            return min((i for i, value in enumerate(overlaps) if value == top), key=lambda i: (load[i], i))

        for tip in material.tips:
            index = best(tip.stems)
            sections[index].tips.append(tip)
            load[index] += count_words(tip.text)
        for hook in material.hooks:
            overlaps = [len(hook.stems & section.stems) for section in sections]
            # A hook that shares no theme only says something about the topic as a whole.
            index = overlaps.index(max(overlaps)) if max(overlaps) else 0
            sections[index].hooks.append(hook)
        # Every section should quote at least one note when there are enough to go round.
        for section in sections:
            if section.tips:
                continue
            donor = max(sections, key=lambda s: (len(s.tips), -sections.index(s)))
            if len(donor.tips) >= 2:
                section.tips.append(donor.tips.pop())

    def _render_tip(self, tip: Tip, section_index: int) -> str:
        notes = self.brief.notes
        is_document = 0 <= tip.note < len(notes) and notes[tip.note].source == "document"
        attribute = tip.first_person or (tip.note not in self.cited_notes and self.attribution_count <= section_index)
        if attribute:
            self.cited_notes.add(tip.note)
            options = DOCUMENT_ATTRIBUTIONS if is_document else self.tone.attributions
            lead = options[(self.seed + self.attribution_count) % len(options)]
            self.attribution_count += 1
            quoted = f"“{tip.text}”" if tip.first_person else tip.text
            return f"{lead} {quoted}"
        if self.transition_count % 3 == 2:
            lead = self.tone.transitions[(self.seed + self.transition_count) % len(self.tone.transitions)]
            self.transition_count += 1
            return f"{lead} {tip.text}"
        self.transition_count += 1
        return tip.text

    def _next_filler(self, section: _Section, salt: int) -> str | None:
        """An unused connective sentence for the section, preferring templates not used elsewhere."""
        templates = self.tone.elaborations + ELABORATIONS
        offset = (self.seed + salt * 7) % len(templates)
        order = sorted(range(len(templates)), key=lambda i: (self.template_uses[i], (i - offset) % len(templates)))
        keywords = [k for k in self.keywords if stem_set(k) - section.stems] or [
            s.theme for s in self.sections if stem_set(s.theme) - section.stems
        ]
        for index in order:
            template = templates[index]
            keyword = ""
            if "{keyword}" in template.lower():
                if not keywords:
                    continue
                keyword = keywords[(self.template_uses[index] + salt) % len(keywords)]
            if "{topic}" in template and stem_set(self.topic) & section.stems:
                continue  # "pasta water … pasta water tips as a whole" reads as an echo
            sentence = self.fill(template, theme=section.theme, keyword=keyword)
            key = normal_form(sentence)
            if key in self.used:
                continue
            self.used.add(key)
            self.template_uses[index] += 1
            return sentence
        return None

    def _hook_sentence(self, hook: Hook, section: _Section) -> str | None:
        options = HOOK_TEMPLATES[hook.kind]
        for attempt in range(len(options)):
            sentence = self.fill(options[(self.seed + len(self.used) + attempt) % len(options)], theme=section.theme, hook=hook.text)
            key = normal_form(sentence)
            if key not in self.used:
                self.used.add(key)
                return sentence
        return None

    def _fill_section(self, section: _Section, number: int) -> None:
        words = count_words(section.heading)

        def closer(extra: int) -> bool:
            return abs(words + extra - section.budget) < abs(words - section.budget)

        for tip in section.tips:
            if not section.chosen or closer(count_words(tip.text) + 4):
                rendered = self._render_tip(tip, number - 1)
                self.used.add(normal_form(tip.text))
                section.chosen.append(("tip", rendered))
                words += count_words(rendered)
        hook_limit = 1 if self.target < 600 else 2
        while section.hooks and hook_limit > 0:
            if len(section.chosen) >= 2 and not closer(count_words(section.hooks[0].text) + 12):
                break
            sentence = self._hook_sentence(section.hooks.pop(0), section)
            if sentence:
                section.chosen.append(("hook", sentence))
                words += count_words(sentence)
                hook_limit -= 1
        while len(section.chosen) < 2 or closer(14):
            sentence = self._next_filler(section, number + len(section.chosen))
            if sentence is None:
                break
            section.chosen.append(("filler", sentence))
            words += count_words(sentence)

    def _intro(self, theme_names: list[str], budget: int) -> list[str]:
        sentences = [
            capitalize(self.fill(self.pick(self.tone.openers))),
            self.fill(self.pick(self.tone.overviews, 1), themes=join_list(theme_names[:3])),
        ]
        extras = INTRO_EXTRAS + (INTRO_EXTRAS_FROM_NOTES if self.brief.notes else ())
        for index in range(len(extras)):
            extra = self.fill(extras[(self.seed + index) % len(extras)])
            if abs(count_words(" ".join(sentences + [extra])) - budget) >= abs(count_words(" ".join(sentences)) - budget):
                break
            sentences.append(extra)
        for sentence in sentences:
            self.used.add(normal_form(sentence))
        return sentences

    def _conclusion(self, theme_names: list[str], budget: int) -> list[str]:
        sentences = [self.fill(self.pick(self.tone.conclusions, 2), themes=join_list(theme_names[:3]))]
        call_to_action = self.pick(self.tone.calls_to_action, 3)
        for index in range(len(CONCLUSION_EXTRAS)):
            extra = self.fill(CONCLUSION_EXTRAS[(self.seed + index) % len(CONCLUSION_EXTRAS)])
            current = count_words(" ".join(sentences + [call_to_action]))
            if abs(current + count_words(extra) - budget) >= abs(current - budget):
                break
            sentences.append(extra)
        sentences.append(call_to_action)
        for sentence in sentences:
            self.used.add(normal_form(sentence))
        return [capitalize(sentence) for sentence in sentences]

    def _balance(
        self, title: str, intro: list[str], sections: list[_Section], conclusion_heading: str, conclusion: list[str]
    ) -> None:
        """Add or drop connective sentences until the whole article is close to the target length."""
        low, high = self.target * 0.97, self.target * 1.03
        for round_number in range(400):
            total = count_words(self._render(title, intro, sections, conclusion_heading, conclusion))
            if low <= total <= high:
                return
            if total < low:
                hungriest = sorted(sections, key=lambda s: (self._section_words(s) / max(1, s.budget), sections.index(s)))
                for section in hungriest:
                    sentence = self._next_filler(section, round_number + 101)
                    if sentence is not None:
                        section.chosen.append(("filler", sentence))
                        break
                else:
                    return
            else:
                removable = [s for s in sections if len(s.chosen) > 2]
                if not removable:
                    return
                section = max(removable, key=lambda s: (self._section_words(s) / max(1, s.budget), -sections.index(s)))
                # Connective sentences go first; the notes' own advice is kept as long as possible.
                for kind in ("filler", "hook", "tip"):
                    positions = [i for i, (k, _) in enumerate(section.chosen) if k == kind]
                    if positions:
                        removed = section.chosen.pop(positions[-1])
                        if count_words(removed[1]) > total - low:
                            section.chosen.insert(positions[-1], removed)
                            return
                        break

    def _section_words(self, section: _Section) -> int:
        return count_words(section.heading) + sum(count_words(text) for _, text in section.chosen)

    def _render(
        self, title: str, intro: list[str], sections: list[_Section], conclusion_heading: str, conclusion: list[str]
    ) -> str:
        parts = [f"# {title}", " ".join(intro)]
        for section in sections:
            parts.append(f"## {section.heading}")
            parts.extend(_paragraphs(_interleave(section.chosen)))
        parts.append(f"## {conclusion_heading}")
        parts.append(" ".join(conclusion))
        return "\n\n".join(parts) + "\n"


def _interleave(chosen: list[tuple[str, str]]) -> list[str]:
    """Advice first in each stretch, with connective and hook sentences woven between."""
    tips = [text for kind, text in chosen if kind == "tip"]
    others = [text for kind, text in chosen if kind != "tip"]
    ordered: list[str] = []
    while tips or others:
        if tips:
            ordered.append(tips.pop(0))
        share = math.ceil(len(others) / max(1, len(tips) + 1)) if tips else len(others)
        ordered.extend(others[:share])
        others = others[share:]
    return ordered


def _paragraphs(sentences: list[str], size: int = 3) -> list[str]:
    groups = [sentences[i : i + size] for i in range(0, len(sentences), size)]
    if len(groups) > 1 and len(groups[-1]) == 1:
        groups[-2].extend(groups.pop())
    return [" ".join(group) for group in groups if group]


class _Spinner:
    """Rewrites brief.source_text paragraph by paragraph and gives it a title, headings and a conclusion."""

    def __init__(self, brief: ArticleBrief, tone_name: str):
        self.brief = brief
        self.tone = TONES[tone_name]
        source = clean_text(brief.source_text)
        self.lowercase_words = {word for word in WORD_RE.findall(source) if word.islower()}
        self.blocks = _source_blocks(source)
        paragraphs = [text for kind, text in self.blocks if kind == "text"]
        fallback = extract_themes(_weighted(paragraphs), keyphrase="", limit=1)
        self.topic = (brief.topic or brief.keyphrase or (fallback[0] if fallback else "this topic")).strip()
        self.keyphrase = (brief.keyphrase or self.topic).strip()
        self.seed = _seed(self.topic, self.keyphrase, tone_name, "spin")

    def fill(self, template: str, **values: str) -> str:
        theme = values.get("theme", "")
        return template.format(
            keyphrase=self.keyphrase, Keyphrase=title_case(self.keyphrase), topic=self.topic, theme=theme,
            Theme=capitalize(theme), keyword="", Keyword="", themes=values.get("themes", ""), hook="",
        )

    def compose(self, report: ProgressCallback) -> tuple[str, str]:
        title = self.fill(self.tone.titles[self.seed % len(self.tone.titles)])
        groups = self._groups()
        report(0.1, "Planned the rewrite")
        intro_group, body, closing = groups[0], groups[1:-1], groups[-1] if len(groups) > 1 else None
        intro = [paragraph for paragraph in (self._rewrite_paragraph(text) for text in intro_group[1]) if paragraph]
        if self.keyphrase.lower() not in " ".join(intro).lower():
            opener = capitalize(self.fill(self.tone.openers[self.seed % len(self.tone.openers)]))
            intro = [f"{opener} {intro[0]}", *intro[1:]] if intro else [opener]
        parts = [f"# {title}", *intro]
        headings_used: set[str] = set()
        for number, (heading, paragraphs) in enumerate(body, start=1):
            parts.append(f"## {self._heading(heading, paragraphs, number - 1, headings_used)}")
            parts.extend(self._rewrite_paragraph(text) for text in paragraphs)
            report(0.1 + 0.8 * number / max(1, len(body) + 1), f"Rewrote section {number} of {len(body)}")
        conclusion_heading = self.tone.conclusion_headings[self.seed % len(self.tone.conclusion_headings)]
        closing_heading, closing_paragraphs = closing if closing is not None else ("", [])
        parts.append(f"## {rewrite_words(title_case(closing_heading)) if closing_heading else conclusion_heading}")
        parts.extend(self._rewrite_paragraph(text) for text in closing_paragraphs)
        parts.append(self.tone.calls_to_action[self.seed % len(self.tone.calls_to_action)])
        report(0.9, "Rewrote the conclusion")
        return "\n\n".join(parts) + "\n", title

    def _groups(self) -> list[tuple[str, list[str]]]:
        """(source heading or "", paragraphs) per section: intro first, conclusion last."""
        groups: list[tuple[str, list[str]]] = []
        for kind, text in self.blocks:
            if kind == "heading":
                groups.append((text, []))
            elif groups:
                groups[-1][1].append(text)
            else:
                groups.append(("", [text]))
        groups = [group for group in groups if group[1]]
        if not groups:
            # A source made of headings alone still has words to rewrite.
            groups = [("", [" ".join(text for _, text in self.blocks)])]
        if any(heading for heading, _ in groups):
            if groups and groups[0][0]:
                first_heading, first_paragraphs = groups[0]
                groups[0] = ("", first_paragraphs[:1])
                if first_paragraphs[1:]:
                    groups.insert(1, (first_heading, first_paragraphs[1:]))
            return groups if len(groups) > 1 else groups + [("", [])]
        paragraphs = [text for _, texts in groups for text in texts]
        if len(paragraphs) < 5:
            paragraphs = _resplit(paragraphs, 5)
        intro, middle, closing = paragraphs[:1], paragraphs[1:-1], paragraphs[-1:] if len(paragraphs) > 1 else []
        section_count = min(6, max(1, min(len(middle), max(3, math.ceil(len(middle) / 2)))))
        size = math.ceil(len(middle) / section_count) if middle else 1
        body = [("", middle[i : i + size]) for i in range(0, len(middle), size)]
        return [("", intro)] + body + [("", closing)]

    def _heading(self, source_heading: str, paragraphs: list[str], index: int, used: set[str]) -> str:
        if source_heading:
            return rewrite_words(title_case(source_heading))
        if index == 0:
            return self.fill(self.tone.keyphrase_headings[self.seed % len(self.tone.keyphrase_headings)])
        for theme in extract_themes(_weighted(paragraphs), keyphrase=self.keyphrase, limit=4):
            if theme in used:
                continue
            used.add(theme)
            pattern = self.tone.theme_headings[(self.seed + index) % len(self.tone.theme_headings)]
            return self.fill(pattern, theme=title_case(theme))
        return self.fill(self.tone.theme_headings[(self.seed + index) % len(self.tone.theme_headings)], theme=title_case(self.keyphrase))

    def _rewrite_paragraph(self, paragraph: str) -> str:
        if paragraph.startswith(("- ", "* ", "1. ")):
            return "\n".join("- " + self._rewrite_sentence(_list_text(line)) for line in paragraph.splitlines())
        sentences = [piece.text for piece in split_sentences(paragraph)]
        sentences = self._split_long(sentences)
        sentences = self._swap_pairs(sentences)
        sentences = self._merge_short(sentences)
        return " ".join(self._rewrite_sentence(sentence) for sentence in sentences)

    def _rewrite_sentence(self, sentence: str) -> str:
        return finish_sentence(rewrite_words(restructure(sentence)))

    def _split_long(self, sentences: list[str]) -> list[str]:
        result = []
        for sentence in sentences:
            for joint, lead in ((", but ", "That said, "), ("; ", ""), (", so ", "As a result, "), (", and ", "")):
                head, found, tail = sentence.partition(joint)
                if found and count_words(head) >= 5 and count_words(tail) >= 5 and not tail[:1].isupper():
                    result.append(finish_sentence(head))
                    result.append(finish_sentence(lead + tail) if lead else finish_sentence(tail))
                    break
            else:
                result.append(sentence)
        return result

    def _swap_pairs(self, sentences: list[str]) -> list[str]:
        """Swaps neighbouring middle sentences that stand on their own; the opening and closing stay put."""
        result = list(sentences)
        index = 1
        while index + 2 < len(result):
            first, second = result[index], result[index + 1]
            if self._stands_alone(first) and self._stands_alone(second):
                result[index], result[index + 1] = second, first
                index += 3
            else:
                index += 1
        return result

    def _stands_alone(self, sentence: str) -> bool:
        # A pronoun anywhere may point at the sentence before, so only self-contained sentences move.
        words = [word.lower() for word in WORD_RE.findall(sentence)]
        return bool(words) and words[0] not in REFERRING_STARTS and not PRONOUNS & set(words) and not sentence.endswith("?")

    def _merge_short(self, sentences: list[str]) -> list[str]:
        result: list[str] = []
        for sentence in sentences:
            previous = result[-1] if result else ""
            if (
                previous
                and previous.endswith(".")
                and sentence.endswith(".")
                and count_words(previous) <= 9
                and count_words(sentence) <= 9
                and not previous.startswith(("That said", "As a result"))
                and self._can_lowercase(sentence)
            ):
                result[-1] = f"{previous[:-1]}, and {sentence[:1].lower()}{sentence[1:]}"
                continue
            result.append(sentence)
        return result

    def _can_lowercase(self, sentence: str) -> bool:
        words = WORD_RE.findall(sentence)
        if not words or words[0] == "I":
            return False
        first = words[0].lower()
        return first in STOPWORDS or first in self.lowercase_words or first in SYNONYMS


def _weighted(paragraphs: list[str]) -> list[tuple[str, float]]:
    return [(piece.text, 1.0) for paragraph in paragraphs for piece in split_sentences(paragraph)]


def _source_blocks(source: str) -> list[tuple[str, str]]:
    """("heading" | "text", content) blocks of the source; list items stay one block."""
    blocks: list[tuple[str, str]] = []
    for chunk in re.split(r"\n\s*\n", source.strip()):
        lines = [line.strip() for line in chunk.splitlines() if line.strip()]
        if not lines:
            continue
        if lines[0].startswith("#"):
            blocks.append(("heading", lines[0].lstrip("#").strip()))
            lines = lines[1:]
            if not lines:
                continue
        if all(line.startswith(("- ", "* ")) or re.match(r"^\d+\.\s", line) for line in lines):
            blocks.append(("text", "\n".join("- " + _list_text(line) for line in lines)))
        else:
            blocks.append(("text", " ".join(lines)))
    return blocks


def _list_text(line: str) -> str:
    return re.sub(r"^(?:[-*]|\d+\.)\s+", "", line.strip())


def _resplit(paragraphs: list[str], wanted: int) -> list[str]:
    """Cut a source with too few paragraphs into `wanted` runs of sentences, never mid-sentence."""
    if any(paragraph.startswith("- ") for paragraph in paragraphs):
        return paragraphs
    sentences = [piece.text for paragraph in paragraphs for piece in split_sentences(paragraph)]
    if len(sentences) <= len(paragraphs):
        return paragraphs
    wanted = min(wanted, max(1, len(sentences) // 2))
    size = math.ceil(len(sentences) / wanted)
    return [" ".join(sentences[i : i + size]) for i in range(0, len(sentences), size)]


# ---------------------------------------------------------------- viral ideas

HOOK_TYPES = ("question", "number_list", "how_to", "contrarian", "story", "curiosity_gap", "bold_claim", "statement")

# Other names the analysis, the sample data and models use for the same hook types.
HOOK_TYPE_ALIASES = {
    "questions": "question",
    "number": "number_list",
    "numbers": "number_list",
    "numbered": "number_list",
    "numbered_list": "number_list",
    "list": "number_list",
    "listicle": "number_list",
    "howto": "how_to",
    "tutorial": "how_to",
    "hot_take": "contrarian",
    "unpopular_opinion": "contrarian",
    "storytime": "story",
    "personal_story": "story",
    "curiosity": "curiosity_gap",
    "claim": "bold_claim",
    "bold": "bold_claim",
}

HOOK_LABELS = {
    "question": "question",
    "number_list": "number-list",
    "how_to": "how-to",
    "contrarian": "contrarian",
    "story": "story",
    "curiosity_gap": "curiosity-gap",
    "bold_claim": "bold-claim",
    "statement": "statement",
}

HOOK_REASONS = {
    "question": "A question opens a loop viewers want closed, so they stay for the answer.",
    "number_list": "A number promises a concrete, countable payoff and tells viewers how long they are in for.",
    "how_to": "A how-to promises a skill viewers can use straight away, which earns saves.",
    "contrarian": "Pushing back on common advice stops the scroll and invites comments.",
    "story": "A story makes viewers want to know how it ends, which keeps them watching.",
    "curiosity_gap": "Hinting at something viewers do not know yet makes them stay to find out.",
    "bold_claim": "A bold claim sets a bar viewers stay to judge for themselves.",
    "statement": "A plain statement gets straight to the point, which works when the payoff is clear.",
}


def normalize_hook_type(value: object) -> str | None:
    """The taxonomy name for `value` ("Number list", "curiosity" …), or None when it is not a hook type."""
    key = re.sub(r"[\s\-]+", "_", str(value or "").strip().lower())
    key = HOOK_TYPE_ALIASES.get(key, key)
    return key if key in HOOK_TYPES else None


_NUMBER_WORDS = {"two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10}
_LEADING_NUMBER_RE = re.compile(r"^\W*(\d{1,2}|" + "|".join(_NUMBER_WORDS) + r")\s+[A-Za-z]", re.IGNORECASE)
# Checked in order after the question mark; the first shape that fits names the hook type.
_HOOK_SHAPES = (
    ("number_list", _LEADING_NUMBER_RE),
    ("how_to", re.compile(r"^\W*how (?:to|i|we)\b", re.IGNORECASE)),
    ("contrarian", re.compile(r"^\W*(?:stop\b|unpopular opinion|hot take|you don'?t need)|\boverrated\b|\bis a lie\b", re.IGNORECASE)),
    ("curiosity_gap", re.compile(r"nobody tells|no one tells|the one thing|changed everything|wish (?:someone|i)|\bsecret\b", re.IGNORECASE)),
    ("bold_claim", re.compile(r"\bthe best\b.*\bever\b|^\W*the only\b|\bbeats\b|\bbetter than\b", re.IGNORECASE)),
    ("story", re.compile(r"^\W*(?:i|my|last (?:year|month|week)|when i|the day)\b", re.IGNORECASE)),
)


def classify_hook(text: str) -> str:
    """The hook type a hook's wording shows, for reels the analysis did not label."""
    lines = [line for line in clean_text(text).splitlines() if line.strip()]
    first = lines[0].strip() if lines else ""
    if first.rstrip("\"”’").endswith("?"):
        return "question"
    for hook_type, pattern in _HOOK_SHAPES:
        if pattern.search(first):
            return hook_type
    return "statement"


def source_hook_type(source: IdeaSource) -> str:
    return normalize_hook_type(source.hook_type) or classify_hook(source.hook)


@dataclass(frozen=True)
class _Angle:
    """One way to put a hook type to the creator's topic; `shape` recognises a source hook it mirrors."""

    hook: str  # takes {topic}, {Topic}, {audience}, {n}
    title: str  # takes {Topic} and {Audience} in title case, {n}
    shape: re.Pattern | None = None
    counted: str = ""  # number_list: what the list counts


def _angle(hook: str, title: str, shape: str | None = None, counted: str = "") -> _Angle:
    return _Angle(hook, title, re.compile(shape, re.IGNORECASE) if shape else None, counted)


ANGLES: dict[str, tuple[_Angle, ...]] = {
    "question": (
        _angle("Why does nobody talk about {topic}?", "The {Topic} Conversation Nobody Is Having", r"nobody (?:talks|is talking)"),
        _angle("Are you making this mistake with {topic}?", "The {Topic} Mistake Hiding in Plain Sight", r"\bmistakes?\b"),
        _angle("Why do {audience} struggle so much with {topic}?", "Why {Topic} Feels Hard for {Audience}", r"\bstruggle"),
        _angle("Is the hype around {topic} actually deserved?", "{Topic}: Worth the Hype?", r"\bhype\b"),
        _angle("What actually happens when you take {topic} seriously?", "What Happens When You Take {Topic} Seriously", r"^\W*what (?:actually )?happens"),
        _angle("Are {audience} overcomplicating {topic}?", "Keeping {Topic} Simple for {Audience}"),
    ),
    "number_list": (
        _angle("{n} mistakes {audience} make with {topic}", "{n} {Topic} Mistakes to Avoid", r"\b(?:mistakes|errors)\b", "mistakes"),
        _angle("{n} ways {audience} can get better at {topic}", "{n} Ways to Get Better at {Topic}", r"\bways\b", "ways"),
        _angle("{n} things I wish I knew about {topic} sooner", "{n} Things I Wish I Knew About {Topic}", r"\bthings\b", "things"),
        _angle("{n} signs you're getting {topic} wrong", "{n} Signs Your {Topic} Needs a Rethink", r"\bsigns\b", "signs"),
        _angle("{n} {topic} tips {audience} can use today", "{n} {Topic} Tips for {Audience}", r"\b(?:tips|hacks|tricks)\b", "tips"),
        _angle("{n} {topic} habits worth building this year", "{n} {Topic} Habits Worth Building", r"\b(?:habits|rules)\b", "habits"),
        _angle("{n} reasons {audience} should take {topic} seriously", "{n} Reasons to Take {Topic} Seriously", r"\breasons\b", "reasons"),
        _angle("{n} steps to get started with {topic}", "{n} Steps to Start {Topic}", r"\bsteps\b", "steps"),
    ),
    "how_to": (
        _angle("How to actually get {topic} right, step by step", "{Topic}, Step by Step", r"step by step"),
        _angle("How to get better at {topic} without the overwhelm", "{Topic} Without the Overwhelm", r"\bwithout\b"),
        _angle("How to get started with {topic} this week", "Getting Started With {Topic}", r"^\W*how to (?:start|begin|get started)"),
        _angle("How {audience} can fit {topic} into a busy week", "Fitting {Topic} Into a Busy Week"),
    ),
    "contrarian": (
        _angle("Stop overcomplicating {topic}.", "Stop Overcomplicating {Topic}", r"^\W*stop\b"),
        _angle("Unpopular opinion: most {topic} advice is wrong for {audience}.", "The Unpopular Truth About {Topic}", r"unpopular opinion|hot take"),
        _angle("You don't need to be an expert to get {topic} right.", "No Expertise Needed for {Topic}", r"\bdo(?:n'?t| not) need\b"),
        _angle("Everything you've been told about {topic} is backwards.", "Rethinking the Usual {Topic} Advice"),
    ),
    "story": (
        _angle("I tried {topic} for 30 days. Here's what happened.", "30 Days of {Topic}", r"\btried\b|\bfor \d+ days\b"),
        _angle("Last year I got {topic} completely wrong. Here's what I learned.", "What Getting {Topic} Wrong Taught Me", r"^\W*last (?:year|month|week)\b"),
        _angle("My biggest {topic} mistake, and what it taught me.", "My Biggest {Topic} Mistake", r"\bmy (?:first|worst|biggest)\b"),
        _angle("The day {topic} finally clicked for me.", "The Day {Topic} Clicked"),
    ),
    "curiosity_gap": (
        _angle("The one thing about {topic} nobody tells you.", "The One Thing Nobody Says About {Topic}", r"\bthe one thing\b"),
        _angle("Nobody tells {audience} this about {topic}…", "What {Audience} Aren't Told About {Topic}", r"nobody tells|no one tells"),
        _angle("This changed everything about how I think about {topic}.", "The {Topic} Shift That Changed Everything", r"changed everything"),
        _angle("I wish someone had told me this about {topic} sooner.", "The {Topic} Lesson I Learned Too Late", r"wish (?:someone|i)"),
    ),
    "bold_claim": (
        _angle("This is the best {topic} advice you'll ever get.", "The Best {Topic} Advice You'll Get", r"\bthe best\b.*\bever\b"),
        _angle("The only {topic} guide {audience} will ever need.", "The Only {Topic} Guide You Need", r"^\W*the only\b"),
        _angle("This {topic} trick beats anything else you've tried.", "The {Topic} Trick That Beats the Rest", r"\bbeats\b|\bbetter than\b"),
        _angle("Most {audience} never try this {topic} approach, and that's why it works.", "The {Topic} Approach Most {Audience} Skip"),
    ),
    "statement": (
        _angle("{Topic} can be simpler than you think.", "{Topic}, Made Simple"),
        _angle("This is how I'd start {topic} if I were starting over.", "Starting {Topic} Over"),
        _angle("{Topic}, explained for {audience}.", "{Topic} Explained for {Audience}"),
        _angle("Small {topic} changes add up faster than you think.", "Small {Topic} Changes That Add Up"),
    ),
}

# The middle of each script: what to show after the hook, by hook type.
BEATS: dict[str, tuple[str, ...]] = {
    "question": (
        "Answer the question in one sentence right after the hook, so viewers know staying pays off.",
        "Show the reason behind the answer with one concrete {topic} example.",
        "Give {audience} one thing to try today.",
    ),
    "number_list": (
        "Count the {n} {counted} down on screen, one per cut.",
        "Pair each one with a quick fix or a before-and-after.",
        "Save the most surprising one for last so viewers stay to the end.",
    ),
    "how_to": (
        "Show the finished result first, then go back to step one.",
        "Walk through three short steps, each with an on-screen label.",
        "Call out the slip {audience} make most often at the step where it happens.",
    ),
    "contrarian": (
        "Quote the common {topic} advice you disagree with, in the words people use for it.",
        "Show what goes wrong when people follow it, with one example.",
        "Offer what to do instead, and show it working.",
    ),
    "story": (
        "Set the scene in one line: where you were with {topic} before.",
        "Show the turning point: the moment or mistake that changed your approach.",
        "Land the lesson {audience} can use, in one sentence.",
    ),
    "curiosity_gap": (
        "Hold the answer back for a beat: name the problem it solves first.",
        "Reveal the one thing and show it on screen instead of only describing it.",
        "Explain why so few {audience} know it.",
    ),
    "bold_claim": (
        "Back the claim up straight away with the result, on screen.",
        "Show exactly how to get the same result, step by step.",
        "Answer the most likely objection before a viewer can type it.",
    ),
    "statement": (
        "Expand the statement with one concrete {topic} example.",
        "Give two quick pointers {audience} can act on.",
        "Finish with the takeaway in a single line on screen.",
    ),
}

# Goals are free text; each cue maps a goal to a call to action that serves it.
GOAL_CALLS_TO_ACTION: tuple[tuple[re.Pattern, str], ...] = (
    (
        re.compile(r"\b(?:sell|sales?|products?|course|courses|shop|store|clients?|customers?|leads?|offers?|bookings?|"
                   r"launch|membership|coaching|revenue|conversions?|convert|monetis\w*|monetiz\w*)\b", re.IGNORECASE),
        "Want help with {topic}? Comment “{WORD}” and I'll send you the details.",
    ),
    (
        re.compile(r"\b(?:grow|growth|followers?|following|reach|visibility|views|audience|awareness|viral)\b", re.IGNORECASE),
        "Follow for more {topic} ideas made for {audience}.",
    ),
    (
        re.compile(r"\b(?:engage\w*|comments?|community|conversations?|interact\w*|dms?)\b", re.IGNORECASE),
        "Tell me in the comments: what is your biggest {topic} question?",
    ),
    (
        re.compile(r"\b(?:educat\w*|teach\w*|help\w*|inform\w*|saves?|shares?|value)\b", re.IGNORECASE),
        "Save this for your next {topic} session and send it to someone who needs it.",
    ),
    (
        re.compile(r"\b(?:authority|expert\w*|trust\w*|brand\w*|credib\w*|thought leader\w*)\b", re.IGNORECASE),
        "Follow for straight-talking {topic} advice you can trust.",
    ),
)
DEFAULT_CALL_TO_ACTION = "Save this and try it this week."

# Words that describe the creator's medium rather than the subject, so they never make a topic.
_MEDIA_WORDS = frozenset(
    "content contents posts post creator creators account accounts page pages channel channels tutorials tutorial "
    "clips shorts series niche educational informative entertaining entertainment audience audiences brand".split()
)
# Gerunds that say what the creator does ("teaching", "sharing") rather than what the reels are about.
_CREATOR_VERBS = frozenset(
    "teaching helping sharing showing creating documenting posting explaining giving inspiring empowering educating "
    "covering offering providing featuring bringing reviewing".split()
)
_CLAUSE_BREAK_RE = re.compile(r"[,;:.!?()\[\]/&|+\n]|\s[-–—]\s")
_AUDIENCE_CUT_RE = re.compile(
    r"[,;:.!?()/]|\s[-–—]\s|\b(?:who|that|which|whose|looking|trying|wanting|interested|aged|in|across|living|based)\b",
    re.IGNORECASE,
)
_AUDIENCE_LEADS = frozenset("a an the for mostly mainly primarily my our any all".split())
DEFAULT_AUDIENCE = "most people"
DEFAULT_TOPIC = "your niche"
_MAX_TOPICS = 4


def _strategy_text(strategy: dict, *names: str) -> str:
    for name in names:
        value = strategy.get(name)
        if isinstance(value, (list, tuple)):
            value = ", ".join(str(item) for item in value if item)
        if value:
            return " ".join(clean_text(str(value)).split())
    return ""


def _natural_case(words: list[str], *, title_cased: bool) -> str:
    """Form text typed in Title Case or sentence case, lowered where it reads mid-sentence; acronyms stay."""
    result = []
    for index, word in enumerate(words):
        plain_capital = word[:1].isupper() and word[1:] == word[1:].lower() and len(word) > 1
        result.append(word.lower() if plain_capital and (title_cased or index == 0) else word)
    return " ".join(result)


def _is_title_cased(text: str) -> bool:
    words = [word for word in _WORD_RE.findall(text) if word[:1].isalpha() and word.lower() not in _SMALL_TITLE_WORDS]
    return len(words) > 1 and all(word[:1].isupper() for word in words)


def audience_phrase(text: str) -> str:
    """A plural noun phrase for the creator's audience: "Busy moms who work full time" → "busy moms"."""
    head = _AUDIENCE_CUT_RE.split(text, maxsplit=1)[0]
    words = head.split()
    singular = False
    while words and words[0].lower() in _AUDIENCE_LEADS:
        singular = singular or words[0].lower() in ("a", "an")
        words.pop(0)
    words = words[:6]
    if singular and words:
        # "a busy mom of two" is one reader; the hooks speak about all of them.
        lowered = [word.lower() for word in words]
        noun = lowered.index("of") - 1 if "of" in lowered[1:] else len(words) - 1
        if noun >= 0 and not lowered[noun].endswith("s"):
            words[noun] += "s"
    phrase = _natural_case(words, title_cased=_is_title_cased(text))
    return phrase or DEFAULT_AUDIENCE


def topic_phrases(text: str, *, exclude: set[str], min_words: int = 1) -> list[str]:
    """The subject phrases of free text, longest first: runs of theme words of at most three words.

    A stop word, a word used as a verb, a medium word ("content") or one of the `exclude` stems
    (the audience) ends a run, so "Teaching busy parents healthy meal prep" gives "healthy meal prep".
    """
    title_cased = _is_title_cased(text)
    runs: list[list[str]] = []
    for clause in _CLAUSE_BREAK_RE.split(text):
        words = _WORD_RE.findall(clause)
        runs.append([])
        for position, word in enumerate(words):
            lower = word.lower()
            used_as_verb = position > 0 and words[position - 1].lower() in _VERB_CUES
            if not _is_theme_word(lower) or used_as_verb or lower in _MEDIA_WORDS or _stem(lower) in exclude:
                runs.append([])
            else:
                runs[-1].append(word)
    ranked: list[tuple[int, int, str]] = []  # (-length, position, phrase)
    for run in runs:
        if run and run[0].lower() in _CREATOR_VERBS:
            run = run[1:]
        kept = run[-3:]  # English noun phrases end in their head noun
        if kept and len(kept) >= min_words:
            ranked.append((-len(kept), len(ranked), _natural_case(kept, title_cased=title_cased)))
    return [phrase for _, _, phrase in sorted(ranked)]


@dataclass(frozen=True)
class _Strategy:
    topics: tuple[str, ...]  # the main topic first; empty when the form names none
    audience: str
    goals: str
    notes: str


def read_strategy(brief: IdeasBrief) -> _Strategy:
    """The creator's form turned into the words the ideas are built from."""
    strategy = brief.content_strategy if isinstance(brief.content_strategy, dict) else {}
    content_type = _strategy_text(strategy, "contentType", "content_type", "niche", "topic")
    audience_text = _strategy_text(strategy, "targetAudience", "target_audience", "audience")
    goals = _strategy_text(strategy, "goals", "goal")
    notes = _strategy_text(strategy, "additionalNotes", "additional_notes", "notes")
    audience = audience_phrase(audience_text) if audience_text else DEFAULT_AUDIENCE
    exclude = {_stem(word) for word in _WORD_RE.findall(audience)} if audience_text else set()
    candidates = topic_phrases(content_type, exclude=exclude)
    # Notes ramble ("I film in my kitchen"); only their multi-word phrases are likely subjects.
    candidates += topic_phrases(notes, exclude=exclude, min_words=2)
    for keyword in brief.keywords:
        candidates += topic_phrases(str(keyword), exclude=exclude)[:1]
    topics: list[str] = []
    taken: list[set[str]] = []
    for phrase in candidates:
        stems = {_stem(word) for word in _WORD_RE.findall(phrase)}
        if not stems or any(stems <= other or other <= stems for other in taken):
            continue
        topics.append(phrase)
        taken.append(stems)
        if len(topics) >= _MAX_TOPICS:
            break
    return _Strategy(tuple(topics), audience, goals, notes)


_OBJECT_RE = re.compile(r".*\b(?:with|about|for|on|of|at)\s+(.+)$", re.IGNORECASE | re.DOTALL)


def hook_topic(hook: str) -> str:
    """What a hook is about: the phrase after its last "with", "about" … , else its longest phrase.

    "5 mistakes beginners make with sourdough" → "sourdough"; "Stop doing crunches." → "crunches".
    """
    lines = [line for line in clean_text(hook).splitlines() if line.strip()]
    text = lines[0] if lines else ""
    tail = _OBJECT_RE.match(text)
    phrases = (topic_phrases(tail.group(1), exclude=set()) if tail else []) or topic_phrases(text, exclude=set())
    return phrases[0] if phrases else ""


def _times(multiplier: float) -> str:
    return f"{float(multiplier):.1f}×"


def _count(value: object) -> int:
    if isinstance(value, bool):
        return 0
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value)
    if isinstance(value, (list, tuple, set, frozenset)):
        return len(value)
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return 0


_CONTENT_PATTERN_KINDS = ("keyword", "topic", "phrase", "theme", "hashtag", "word", "term")
_TIMING_PATTERN_KINDS = ("hour", "time", "window")


def _pattern_hook_type(kind: str, value: object) -> str | None:
    if isinstance(value, dict):
        found = value.get("hook_type") or value.get("hook")
        return normalize_hook_type(found) if found else None
    if "hook" not in kind:
        return None
    if isinstance(value, (list, tuple)):
        return next((normalize_hook_type(item) for item in value if normalize_hook_type(item)), None)
    return normalize_hook_type(value)


def _hours(value: object) -> str:
    if isinstance(value, bool):
        return ""
    if isinstance(value, int):
        return f"{value:02d}:00-{(value + 1) % 24:02d}:00 UTC"
    if isinstance(value, (list, tuple)) and len(value) == 2 and all(isinstance(v, int) for v in value):
        return f"{value[0]}-{value[1]} UTC"
    if isinstance(value, dict):
        for key in ("hours", "window", "hour", "posting_window", "posting_hours"):
            if key in value:
                return _hours(value[key])
        if "start" in value and "end" in value:
            return _hours([value["start"], value["end"]])
        return ""
    text = str(value or "").strip()
    if not text:
        return ""
    return text if "utc" in text.lower() else f"{text} UTC"


def _pattern_window(kind: str, value: object) -> str:
    if isinstance(value, dict):
        return _hours(value)
    if isinstance(value, (list, tuple)) and "hook" in kind:
        rest = [item for item in value if not normalize_hook_type(item)]
        return _hours(rest[0] if len(rest) == 1 else rest) if rest else ""
    if any(word in kind for word in _TIMING_PATTERN_KINDS):
        return _hours(value)
    return ""


def _pattern_subject(kind: str, value: object) -> str:
    hook_type = _pattern_hook_type(kind, value)
    window = _pattern_window(kind, value)
    if hook_type:
        return f"{HOOK_LABELS[hook_type]} hooks" + (f" posted {window}" if window else "")
    if window:
        return f"reels posted {window}"
    if "day" in kind:
        return f"reels posted on {value}"
    if "duration" in kind or "length" in kind:
        length = f"about {value:g} s" if isinstance(value, (int, float)) and not isinstance(value, bool) else str(value)
        return f"reels of {length}"
    if "hashtag" in kind:
        return f"reels tagged #{str(value).lstrip('#')}"
    if any(word in kind for word in _CONTENT_PATTERN_KINDS):
        return f"reels about “{value}”"
    return f"reels with {kind.replace('_', ' ')} {value}".strip()


def describe_pattern(pattern: dict, competitors: int = 0) -> str:
    """One readable line: "question hooks posted 18-21 UTC were outliers for 3 of 4 competitors (avg 6.2×)"."""
    kind = str(pattern.get("kind") or "").strip().lower()
    subject = _pattern_subject(kind, pattern.get("value"))
    accounts = _count(pattern.get("accounts"))
    total = max(_count(pattern.get("total_accounts") or pattern.get("competitors")) or competitors, accounts)
    outliers = _count(pattern.get("outlier_count"))
    if accounts:
        claim = f"were outliers for {accounts} of {total} competitors"
    elif outliers:
        claim = f"produced {outliers} outlier reels"
    else:
        claim = "stood out among the outliers"
    average = pattern.get("avg_multiplier", pattern.get("score"))
    numeric = isinstance(average, (int, float)) and not isinstance(average, bool) and average > 0
    return f"{subject} {claim}" + (f" (avg {_times(average)})" if numeric else "")


def _pattern_matches(pattern: dict, hook_type: str, stems: set[str]) -> bool:
    kind = str(pattern.get("kind") or "").strip().lower()
    value = pattern.get("value")
    pattern_hook = _pattern_hook_type(kind, value)
    if pattern_hook:
        return pattern_hook == hook_type
    if any(word in kind for word in _CONTENT_PATTERN_KINDS) and isinstance(value, str):
        wanted = _stems(value.lstrip("#"))
        return bool(wanted) and wanted <= stems
    return False


def _is_content_pattern(pattern: dict) -> bool:
    kind = str(pattern.get("kind") or "").strip().lower()
    value = pattern.get("value")
    return bool(_pattern_hook_type(kind, value)) or any(word in kind for word in _CONTENT_PATTERN_KINDS)


def _round_robin(outliers: tuple[IdeaSource, ...]) -> list[IdeaSource]:
    """Every account's best reel first, then every account's second best …, each round best first."""
    by_account: dict[str, list[IdeaSource]] = {}
    seen: set[str] = set()
    for source in outliers:
        if source.shortcode in seen:
            continue
        seen.add(source.shortcode)
        by_account.setdefault(source.username.lower(), []).append(source)
    order: list[IdeaSource] = []
    for depth in range(max(len(reels) for reels in by_account.values())):
        order.extend(reels[depth] for reels in by_account.values() if depth < len(reels))
    return order


def _list_size(hook: str) -> int:
    match = _LEADING_NUMBER_RE.match(clean_text(hook))
    if not match:
        return 5
    token = match.group(1).lower()
    size = _NUMBER_WORDS.get(token) or int(token)
    # "1 things" does not read; a one-item list is a curiosity hook in disguise anyway.
    return size if size >= 2 else 3


def _quote(hook: str, limit: int = 90) -> str:
    lines = [line for line in clean_text(hook).splitlines() if line.strip()]
    text = lines[0].strip() if lines else ""
    if len(text) > limit:
        text = text[:limit].rsplit(" ", 1)[0] + "…"
    return f"“{text}”" if text else ""


class _IdeaComposer:
    """Turns the brief's outlier reels into distinct ideas for the creator's strategy."""

    def __init__(self, brief: IdeasBrief):
        self.brief = brief
        self.strategy = read_strategy(brief)
        self.order = _round_robin(brief.outliers)
        primary = (brief.primary_username or "").lstrip("@").lower()
        self.competitors = len({source.username.lower() for source in brief.outliers if source.username.lower() != primary})
        # A competitor's hook word for word is not an adaptation, so those count as taken from the start.
        self.used: set[str] = {_normal_form(source.hook) for source in brief.outliers}
        self.type_uses: Counter[str] = Counter()
        self.calls_to_action = self._calls_to_action()

    def idea(self, index: int) -> ContentIdea:
        primary = self.order[index % len(self.order)]
        hook_type = source_hook_type(primary)
        sources = (primary, *self._supporters(primary, hook_type))
        topics = self.strategy.topics or tuple(dict.fromkeys(filter(None, (hook_topic(primary.hook), DEFAULT_TOPIC))))
        hook, title, angle, topic = self._adapt(primary, hook_type, topics)
        values = self._values(topic, n=_list_size(primary.hook), counted=angle.counted)
        body = [self._fill(beat, values) for beat in BEATS[hook_type]]
        body.append(
            f"Borrow the pacing of @{primary.username}'s reel ({_times(primary.outlier_multiplier)}): "
            "the hook on screen in the first two seconds, one point per cut."
        )
        notes = self.strategy.notes
        if notes and count_words(notes) <= 25:
            body.append(f"Keep it true to your brief: {_finish(notes)}")
        call_to_action = self._fill(self.calls_to_action[index % len(self.calls_to_action)], values)
        self.type_uses[hook_type] += 1
        return ContentIdea(
            title=title,
            hook=hook,
            hook_type=hook_type,
            script={"hook": hook, "body": body, "call_to_action": call_to_action},
            sources=sources,
            why_it_works=self._why(sources, hook_type, hook, title),
            score=sum(float(source.outlier_multiplier) for source in sources) / len(sources),
        )

    def _supporters(self, primary: IdeaSource, hook_type: str) -> list[IdeaSource]:
        """Up to two more reels with the same hook type from other accounts: the format held beyond one creator."""
        chosen: list[IdeaSource] = []
        accounts = {primary.username.lower()}
        for source in self.brief.outliers:
            if len(chosen) == 2:
                break
            if source.username.lower() in accounts or source_hook_type(source) != hook_type:
                continue
            chosen.append(source)
            accounts.add(source.username.lower())
        return sorted(chosen, key=lambda source: -float(source.outlier_multiplier))

    def _values(self, topic: str, *, n: int = 5, counted: str = "") -> dict[str, object]:
        audience = self.strategy.audience
        return {
            "topic": topic,
            "Topic": _capitalize(topic),
            "audience": audience,
            "Audience": _capitalize(audience),
            "n": n,
            "counted": counted or "points",
            "WORD": (topic.split()[-1] if topic.split() else "info").upper(),
        }

    @staticmethod
    def _fill(template: str, values: dict[str, object]) -> str:
        return template.format(**values)

    def _adapt(self, source: IdeaSource, hook_type: str, topics: tuple[str, ...]) -> tuple[str, str, _Angle, str]:
        """The hook and title for the source, mirroring its wording where an angle fits, never repeating one."""
        angles = ANGLES[hook_type]
        text = clean_text(source.hook)
        fitting = [angle for angle in angles if angle.shape is not None and angle.shape.search(text)]
        offset = self.type_uses[hook_type] % len(angles)
        rest = [angle for angle in angles[offset:] + angles[:offset] if angle not in fitting]
        n = _list_size(source.hook)
        # The main topic through every angle before a secondary topic: the ideas stay on the creator's subject.
        candidates = [(angle, topic) for topic in topics for angle in fitting + rest]
        part = 0
        while True:
            part += 1
            for angle, topic in candidates:
                values = self._values(topic, n=n)
                hook = self._fill(angle.hook, values)
                title = self._fill(angle.title, {**values, "Topic": title_case(topic), "Audience": title_case(self.strategy.audience)})
                if part > 1:
                    # Every angle is taken; a numbered sequel is how creators reuse a format that worked.
                    hook, title = f"Part {part}: {hook}", f"{title} (Part {part})"
                keys = {_normal_form(hook), _normal_form(title)}
                if not keys & self.used:
                    self.used |= keys
                    return hook, title, angle, topic

    def _why(self, sources: tuple[IdeaSource, ...], hook_type: str, hook: str, title: str) -> str:
        primary, others = sources[0], sources[1:]
        reel = " ".join(filter(None, [f"@{primary.username}'s reel", _quote(primary.hook)]))
        parts = [f"Adapted from {reel} ({_times(primary.outlier_multiplier)} that account's typical views)."]
        if others:
            also = _join_list([f"@{source.username} ({_times(source.outlier_multiplier)})" for source in others])
            parts.append(f"The same {HOOK_LABELS[hook_type]} hook also broke out for {also}.")
        parts.append(f"It keeps the {HOOK_LABELS[hook_type]} hook: {HOOK_REASONS[hook_type][:1].lower()}{HOOK_REASONS[hook_type][1:]}")
        stems = _stems(" ".join([hook, title, *(source.hook for source in sources)]))
        patterns = [pattern for pattern in self.brief.patterns if isinstance(pattern, dict)]
        matched = [pattern for pattern in patterns if _pattern_matches(pattern, hook_type, stems)][:2]
        for pattern in matched:
            parts.append(f"Across competitors, {describe_pattern(pattern, self.competitors)}.")
        # Timing and length patterns hold whatever the idea is about, so the strongest one rides along.
        general = next((pattern for pattern in patterns if not _is_content_pattern(pattern)), None)
        if general is not None:
            parts.append(f"Worth copying too: {describe_pattern(general, self.competitors)}.")
        return " ".join(parts)

    def _calls_to_action(self) -> list[str]:
        """One call to action per goal the creator named, in the order they named them."""
        goals = self.strategy.goals
        found = sorted(
            (match.start(), template)
            for pattern, template in GOAL_CALLS_TO_ACTION
            if (match := pattern.search(goals))
        )
        templates = list(dict.fromkeys(template for _, template in found))
        return templates or [DEFAULT_CALL_TO_ACTION]


def compose_ideas_from_outliers(brief: IdeasBrief, report: ProgressCallback) -> list[ContentIdea]:
    if not brief.outliers:
        raise PermanentJobError("No outlier reels to base ideas on", error_code="NO_OUTLIERS")
    composer = _IdeaComposer(brief)
    count = max(0, int(brief.count))
    ideas = []
    for index in range(count):
        idea = composer.idea(index)
        ideas.append(idea)
        report((index + 1) / count, f"Composed idea {index + 1} of {count}: {idea.title}")
    return ideas
