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

Viral ideas come from offline_ideas (OfflineWriter.compose_ideas calls it): each idea reuses a
competitor outlier's hook structure with the creator's topic and audience, cites its source reels
and carries a 3-5 beat script outline. Same brief, same ideas.
"""

from __future__ import annotations

import math
import re
import time
import zlib
from collections import Counter
from dataclasses import dataclass, field

from jobs.providers.llm.base import (
    Article,
    ArticleBrief,
    ContentIdea,
    IdeasBrief,
    ProgressCallback,
)
from jobs.providers.llm.spin_rewrites import PRONOUNS, REFERRING_STARTS, SYNONYMS, restructure, rewrite_words
from jobs.providers.llm.writer_material import (
    STOPWORDS,
    Hook,
    Material,
    Tip,
    extract_themes,
    gather_material,
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
from text_rules.text import (
    WORD_RE,
    capitalize,
    clean_lines,
    count_words,
    finish_sentence,
    join_list,
    normal_form,
    split_sentences,
    title_case,
)

# The ideas composer lives in offline_ideas; these names are re-exported for the modules that import them from here.
from jobs.providers.llm.offline_ideas import (  # noqa: F401
    HOOK_TYPES,
    compose_ideas_from_outliers,
    describe_pattern,
    normalize_hook_type,
    source_hook_type,
)

MODEL_NAME = "offline-composer-1"

# The writer cleans notes and sources with clean_lines (no links, hashtags, mentions or emoji; lines
# kept; an ellipsis ends a sentence); the ideas composer and the model path import it as clean_text.
clean_text = clean_lines



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
        """brief.count distinct ideas adapted from the outlier reels by fixed rules (offline_ideas explains them)."""

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
