"""Article pages: the new-article form, a job's live page, a bulk job's page; a creator sees only their own."""

from __future__ import annotations

import re

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from jobs import selectors, services
from jobs.forms import MODE_HELP, GenerationJobForm
from jobs.models import BulkJob, GenerationJob
from viralspot.views import eta_text, render_live

Status = GenerationJob.Status
JOBS_ON_LIST = 50
STAGES = (("research", "Research"), ("writing", "Writing"), ("seo", "SEO"))
STAGE_ORDER = [name for name, _ in STAGES]


# --- Markdown ----------------------------------------------------------------------------------

_HEADING = re.compile(r"^ {0,3}(#{1,6})\s+(.*?)(?:\s+#+)?\s*$")
_BULLET = re.compile(r"^ {0,3}[-*+]\s+(.*)$")
_NUMBERED = re.compile(r"^ {0,3}\d{1,9}[.)]\s+(.*)$")
_STRONG = re.compile(r"\*\*(?=\S)(.+?)(?<=\S)\*\*")
_EMPHASIS = re.compile(r"(?<![*\w])\*(?=\S)(.+?)(?<=\S)\*(?![*\w])")
_CODE = re.compile(r"`([^`]+)`")


def _inline(text: str) -> str:
    # Escape first: the rules below only ever add their own tags around already-escaped text.
    html = escape(text.strip())
    html = _CODE.sub(r"<code>\1</code>", html)
    html = _STRONG.sub(r"<strong>\1</strong>", html)
    return _EMPHASIS.sub(r"<em>\1</em>", html)


def markdown_to_html(markdown: str, *, heading_offset: int = 1) -> SafeString:
    """The writer's Markdown as HTML: headings, paragraphs, bullet and numbered lists, **bold**, *em*, `code`.

    Everything else is shown as text, escaped, so an article (or a language model) can never put
    markup of its own on the page. Headings move down `heading_offset` levels, so the article's
    "# Title" sits under the page's own <h1>.
    """
    blocks: list[str] = []
    paragraph: list[str] = []
    items: list[str] = []
    list_tag = ""

    def close_paragraph():
        if paragraph:
            blocks.append(f"<p>{_inline(' '.join(paragraph))}</p>")
            paragraph.clear()

    def close_list():
        nonlocal list_tag
        if items:
            blocks.append(f"<{list_tag}>" + "".join(f"<li>{_inline(item)}</li>" for item in items) + f"</{list_tag}>")
            items.clear()
        list_tag = ""

    for line in (markdown or "").splitlines():
        if not line.strip():
            close_paragraph()
            close_list()
            continue
        heading, bullet, numbered = _HEADING.match(line), _BULLET.match(line), _NUMBERED.match(line)
        if heading:
            close_paragraph()
            close_list()
            level = min(6, len(heading.group(1)) + heading_offset)
            blocks.append(f"<h{level}>{_inline(heading.group(2))}</h{level}>")
        elif bullet or numbered:
            close_paragraph()
            tag = "ul" if bullet else "ol"
            if list_tag != tag:
                close_list()
                list_tag = tag
            items.append((bullet or numbered).group(1))
        elif items and line[:1].isspace():
            items[-1] += " " + line.strip()  # an indented continuation of the last item
        else:
            close_list()
            paragraph.append(line.strip())
    close_paragraph()
    close_list()
    return mark_safe("\n".join(blocks))


# --- Stages ------------------------------------------------------------------------------------


def stage_steps(*, stage: str, status: str, mode: str, started: bool = True) -> list[dict]:
    """Research, writing and SEO, each with the word a reader sees (live.js computes the same).

    done · current · waiting · skipped (spin mode has no research) · failed · stopped (cancelled)
    """
    position = STAGE_ORDER.index(stage) if stage in STAGE_ORDER else len(STAGE_ORDER)
    # A queued job, or one cancelled before a worker took it, has not reached any stage yet.
    not_begun = status == Status.QUEUED or (status == Status.CANCELLED and not started)
    steps = []
    for index, (name, label) in enumerate(STAGES):
        if name == "research" and mode == GenerationJob.Mode.SPIN:
            state = "skipped"
        elif not_begun:
            state = "waiting"
        elif status == Status.COMPLETED or index < position:
            state = "done"
        elif index > position:
            state = "waiting"
        else:
            state = {Status.PROCESSING: "current", Status.FAILED: "failed", Status.CANCELLED: "stopped"}.get(status, "waiting")
        steps.append({"name": name, "label": label, "state": state})
    return steps


# --- Pages -------------------------------------------------------------------------------------


def _owned_job(request, job_id) -> GenerationJob:
    # Someone else's job is "not found", never "forbidden": its existence is not ours to reveal.
    return get_object_or_404(GenerationJob.objects.for_owner(request.user), pk=job_id)


def _owned_bulk(request, bulk_id) -> BulkJob:
    return get_object_or_404(BulkJob.objects.for_owner(request.user), pk=bulk_id)


@login_required
def job_list(request):
    jobs = GenerationJob.objects.for_list_page(request.user)[:JOBS_ON_LIST]
    return render(request, "jobs/list.html", {"jobs": jobs})


@login_required
def job_new(request):
    form = GenerationJobForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        job = services.generation_job_create(owner=request.user, **form.brief)
        messages.success(request, f"{job.get_mode_display()} article queued.")
        return redirect("job-page", job_id=job.pk)
    return render(request, "jobs/new.html", {"form": form, "mode_help": MODE_HELP})


@never_cache
@login_required
def job_page(request, job_id):
    job = _owned_job(request, job_id)
    document = selectors.generation_job_document(job)
    progress = document["progress"]
    active = job.status in (Status.QUEUED, Status.PROCESSING)
    result = document["result"]
    context = {
        "job": job,
        "document": document,
        "progress": progress,
        "active": active,
        "steps": stage_steps(stage=progress["stage"], status=job.status, mode=job.mode,
                             started=progress["started_at"] is not None),
        "current_stage_label": dict(STAGES).get(progress["stage"], progress["stage"]),
        "eta": eta_text(job.estimated_completion) if job.status == Status.PROCESSING else "",
        "stream_url": reverse("job-progress", args=[job.pk]) if active else "",
        "article_html": markdown_to_html(result["content"]) if result else "",
        "seo_checks": [{**check, "label": check["name"].replace("_", " ")} for check in result["seo_checks"]] if result else [],
        "checks_passed": sum(1 for check in result["seo_checks"] if check.get("passed")) if result else 0,
    }
    return render_live(request, "jobs/detail.html", "jobs/_detail_live.html", context)


@login_required
@require_POST
def job_cancel(request, job_id):
    job = _owned_job(request, job_id)
    try:
        services.job_cancel(job, reason=f"Cancelled by {request.user.get_username()}")
    except services.JobStateError as error:
        messages.warning(request, f"Nothing to cancel: {error.message}.")
    else:
        messages.success(request, "Article cancelled.")
    return redirect("job-page", job_id=job.pk)


@never_cache
@login_required
def bulk_page(request, bulk_id):
    bulk = _owned_bulk(request, bulk_id)
    state = selectors.bulk_job_progress(bulk)
    active = state["queued"] + state["processing"] > 0
    context = {
        "bulk": bulk,
        "state": state,
        "active": active,
        "stream_url": reverse("bulk-job-progress", args=[bulk.pk]) if active else "",
    }
    return render_live(request, "jobs/bulk.html", "jobs/_bulk_live.html", context)


@login_required
@require_POST
def bulk_cancel(request, bulk_id):
    bulk = _owned_bulk(request, bulk_id)
    outcome = services.bulk_job_cancel(bulk=bulk, reason=f"Bulk job cancelled by {request.user.get_username()}")
    messages.success(request, f"{outcome['cancelled']} articles cancelled; {outcome['skipped']} had already finished.")
    return redirect("bulk-page", bulk_id=bulk.pk)
