"""The care inbox: queues, filters, conversations and the actions on them (htmx-enhanced)."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.views.decorators.http import require_GET, require_POST

from escapevelocity.care import listen, selectors, services
from escapevelocity.care.models import Conversation, Intent, Sentiment, Status
from escapevelocity.care.sla import SlaState
from escapevelocity.org import permissions
from escapevelocity.org.models import Unit

STATUS_ACTIONS = {
    Status.RESOLVED: "Resolve",
    Status.WAITING: "Wait on customer",
    Status.ESCALATED: "Escalate",
    Status.MONITOR: "Monitor only",
    Status.NEW: "Reopen",
}


def duration(minutes: int) -> str:
    """'12 min', '4 h 58 min', '2 d 3 h': a clock read at a glance."""
    if minutes < 60:
        return f"{minutes} min"
    hours, mins = divmod(minutes, 60)
    if hours < 24:
        return f"{hours} h {mins} min" if mins else f"{hours} h"
    days, hours = divmod(hours, 24)
    return f"{days} d {hours} h" if hours else f"{days} d"


def _filter_choices() -> dict[str, Any]:
    return {
        "statuses": [("open", "Open"), ("all", "All"), *Status.choices],
        "intents": Intent.choices,
        "sentiments": Sentiment.choices,
        "priorities": [
            ("urgent", "Urgent (80+)"),
            ("high", "High (60–79)"),
            ("normal", "Normal (30–59)"),
            ("low", "Low (<30)"),
        ],
        "sla_states": SlaState.choices,
        "sorts": [("due", "Due soonest"), ("priority", "Priority"), ("newest", "Newest")],
    }


@login_required
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    permissions.require_member(request.user)
    filters = selectors.InboxFilters.from_params(request.GET)
    now = timezone.now()
    status = 200
    page = selectors.Page([], None)
    if filters.errors:
        status = 422
    else:
        try:
            page = selectors.inbox_page(
                user=request.user, filters=filters, cursor=request.GET.get("cursor"), now=now
            )
        except ValidationError as exc:
            filters.errors = exc.message_dict
            status = 422
    rows = [
        {
            "c": c,
            "sla": selectors.sla_label(c, now),
            "minutes": selectors.minutes_left(c, now),
            "late": duration(abs(selectors.minutes_left(c, now) or 0)),
            "ago": duration(int((now - c.last_post_at).total_seconds() // 60)),
        }
        for c in page.items
    ]
    query = filters.as_query()
    context = {
        "filters": filters,
        "rows": rows,
        "next_url": f"?{urlencode({**query, 'cursor': page.next_cursor})}"
        if page.next_cursor
        else None,
        "first_url": f"?{urlencode(query)}" if request.GET.get("cursor") else None,
        "export_url": f"{reverse('care:export')}?{urlencode(query)}",
        "query": urlencode(query),
        "here": request.get_full_path(),
    }
    htmx = getattr(request, "htmx", None)
    if htmx and htmx.target == "inbox-results":
        return render(request, "care/_results.html", context, status=status)
    context.update(
        {
            "queues": selectors.queues_for(user=request.user),
            "available": selectors.is_available(user=request.user),
            "channels": selectors.channels_seen(),
            "units": Unit.objects.filter(archived=False).order_by("name"),
            **_filter_choices(),
        }
    )
    return render(request, "care/index.html", context, status=status)


@login_required
@require_GET
def conversation(request: HttpRequest, pk: int) -> HttpResponse:
    permissions.require_member(request.user)
    conv = selectors.conversation_get(user=request.user, pk=pk)
    thread = selectors.conversation_thread(user=request.user, conversation=conv)
    now = timezone.now()
    can_act = permissions.can_act_on_unit(request.user, conv.unit_id)
    return render(
        request,
        "care/conversation.html",
        {
            "conv": conv,
            "thread": thread,
            "sla": selectors.sla_label(conv, now),
            "minutes": selectors.minutes_left(conv, now),
            "late": duration(abs(selectors.minutes_left(conv, now) or 0)),
            "can_act": can_act,
            "sends_replies": can_act and listen.channel_sends_replies(conv.channel.key),
            "people": selectors.assignable_people(unit=conv.unit) if can_act else [],
            "units": Unit.objects.filter(archived=False).exclude(pk=conv.unit_id).order_by("name")
            if can_act
            else [],
            "intents": Intent.choices,
            "status_actions": [
                (value, label) for value, label in STATUS_ACTIONS.items() if value != conv.status
            ],
            "back": request.GET.get("back", ""),
        },
    )


def _act(request: HttpRequest, pk: int, action: Any, done: str) -> HttpResponse:
    permissions.require_member(request.user)
    conv = selectors.conversation_get(user=request.user, pk=pk)
    try:
        action(conv)
    except ValidationError as exc:
        for field, errors in exc.message_dict.items():
            for error in errors:
                messages.error(request, f"{field}: {error}")
        return redirect(conv.get_absolute_url())
    messages.success(request, done)
    if permissions.can_view_unit(request.user, Conversation.objects.get(pk=pk).unit_id):
        return redirect(conv.get_absolute_url())
    return redirect("care:index")


@login_required
@require_POST
def assign(request: HttpRequest, pk: int) -> HttpResponse:
    username = request.POST.get("assignee", "").strip()

    def run(conv: Conversation) -> None:
        who = (
            request.user
            if username == "me"
            else (services.user_by_username(username) if username else None)
        )
        services.conversation_assign(actor=request.user, conversation=conv, assignee=who)

    return _act(request, pk, run, "Assignment saved.")


@login_required
@require_POST
def reroute(request: HttpRequest, pk: int) -> HttpResponse:
    key = request.POST.get("unit", "")

    def run(conv: Conversation) -> None:
        unit = Unit.objects.filter(key=key).first()
        if unit is None:
            raise ValidationError({"unit": ["Choose the unit to move it to."]})
        services.conversation_reroute(
            actor=request.user, conversation=conv, unit=unit, reason=request.POST.get("reason", "")
        )

    return _act(request, pk, run, "Moved to the other unit's queue; the correction is recorded.")


@login_required
@require_POST
def set_intent(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(
        request,
        pk,
        lambda conv: services.conversation_set_intent(
            actor=request.user, conversation=conv, intent=request.POST.get("intent", "")
        ),
        "Intent corrected; the correction is recorded.",
    )


@login_required
@require_POST
def set_status(request: HttpRequest, pk: int) -> HttpResponse:
    status = request.POST.get("status", "")
    return _act(
        request,
        pk,
        lambda conv: services.conversation_set_status(
            actor=request.user, conversation=conv, status=status
        ),
        f"Status: {dict(Status.choices).get(status, status)}.",
    )


@login_required
@require_POST
def add_note(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(
        request,
        pk,
        lambda conv: services.note_add(
            actor=request.user, conversation=conv, text=request.POST.get("text", "")
        ),
        "Note added.",
    )


@login_required
@require_POST
def add_reply(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(
        request,
        pk,
        lambda conv: services.reply_add(
            actor=request.user, conversation=conv, text=request.POST.get("text", "")
        ),
        "Reply logged (not sent: sending through the networks comes with the connectors).",
    )


@login_required
@require_POST
def bulk(request: HttpRequest) -> HttpResponse:
    permissions.require_member(request.user)
    back = request.POST.get("back", "")
    if not back.startswith(reverse("care:index")):
        back = reverse("care:index")
    ids = [int(i) for i in request.POST.getlist("ids") if i.isdigit()]
    action = request.POST.get("action", "")
    convs = list(selectors.visible_conversations(user=request.user).filter(id__in=ids))
    try:
        if len(convs) != len(set(ids)):
            raise ValidationError({"ids": ["Some of those conversations are not yours to see."]})
        kind, _, value = action.partition(":")
        unit = Unit.objects.filter(key=value).first() if kind == "reroute" else None
        changed = services.conversations_bulk(
            actor=request.user,
            conversations=convs,
            action={"me": "assign"}.get(kind, kind),
            assignee=request.user if kind == "me" else None,
            unit=unit,
            status=value if kind == "status" else "",
        )
    except ValidationError as exc:
        for field, errors in exc.message_dict.items():
            for error in errors:
                messages.error(request, f"{field}: {error}")
        return redirect(back)
    messages.success(request, f"{changed} conversation{'s' if changed != 1 else ''} updated.")
    return redirect(back)


@login_required
@require_POST
def availability(request: HttpRequest) -> HttpResponse:
    """A person says whether they take round-robin assignments now."""
    permissions.require_member(request.user)
    available = request.POST.get("available") == "on"
    services.agent_status_update(actor=request.user, user=request.user, available=available)
    messages.success(
        request,
        "You take new conversations again."
        if available
        else "You are away: round-robin passes you by.",
    )
    return redirect("care:index")


_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: Any) -> str:
    text = "" if value is None else str(value)
    # A spreadsheet runs a cell starting with = + - @ as a formula: customers' words must not.
    return "'" + text if text.startswith(_FORMULA) else text


class _Echo:
    def write(self, value: str) -> str:
        return value


@login_required
@require_GET
def export(request: HttpRequest) -> HttpResponseBase:
    """The conversations matching the current filters, as CSV, streamed."""
    permissions.require_member(request.user)
    filters = selectors.InboxFilters.from_params(request.GET)
    if filters.errors:
        return HttpResponse(
            "; ".join(f"{k}: {' '.join(v)}" for k, v in filters.errors.items()),
            status=422,
            content_type="text/plain; charset=utf-8",
        )
    now = timezone.now()
    writer = csv.writer(_Echo())
    header = [
        "id",
        "unit",
        "status",
        "intent",
        "sentiment",
        "priority",
        "advised_response",
        "channel",
        "author",
        "assignee",
        "posts",
        "opened_at",
        "last_post_at",
        "due_at",
        "sla",
        "first_responded_at",
        "resolved_at",
        "latest_post",
    ]

    def rows() -> Iterator[str]:
        yield writer.writerow(header)
        for c in selectors.export_rows(user=request.user, filters=filters, now=now):
            yield writer.writerow(
                [
                    _cell(v)
                    for v in (
                        c.pk,
                        c.unit.key,
                        c.status,
                        c.intent,
                        c.sentiment,
                        c.priority,
                        c.response,
                        c.channel.key,
                        c.author.handle,
                        c.assignee.get_username() if c.assignee else "",
                        c.post_count,
                        c.opened_at.isoformat(),
                        c.last_post_at.isoformat(),
                        c.due_at.isoformat() if c.due_at else "",
                        selectors.sla_label(c, now),
                        c.first_responded_at.isoformat() if c.first_responded_at else "",
                        c.resolved_at.isoformat() if c.resolved_at else "",
                        c.preview,
                    )
                ]
            )

    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    stamp = now.strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="conversations-{stamp}.csv"'
    return response
