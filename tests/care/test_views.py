from __future__ import annotations

import csv
import html
import io
import re
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from escapevelocity.care import services
from escapevelocity.care.models import Conversation, Correction, Note, Reply, Status
from tests.care.conftest import FakeTriager, post

HOSTILE = '<script>alert("x")</script> my bill is broken'


@pytest.fixture
def convs(org: Any, fake_triage: FakeTriager) -> dict[str, Conversation]:
    services.ingest_posts(
        [post(1, HOSTILE, author="ann"), post(2, "=HYPERLINK(1) feature idea", author="ben")]
    )
    return {
        "care": Conversation.objects.get(unit=org.care),
        "product": Conversation.objects.get(unit=org.product),
    }


def test_it_shows_each_person_only_the_queues_they_may_see(org: Any, convs: Any) -> None:
    owner = org.client(org.alice).get("/care/")
    teammate = org.client(org.bob).get("/care/")
    outsider = org.client(org.charlie).get("/care/")
    assert owner.status_code == teammate.status_code == outsider.status_code == 200
    assert b"my bill is broken" in owner.content
    assert b"feature idea" in owner.content
    assert b"my bill is broken" in teammate.content
    assert b"feature idea" not in teammate.content
    assert b"my bill is broken" not in outsider.content
    assert org.client(org.nobody).get("/care/").status_code == 403
    assert Client().get("/care/").status_code == 302


def test_it_renders_hostile_post_text_as_text(org: Any, convs: Any) -> None:
    for url in ("/care/", f"/care/c/{convs['care'].pk}/"):
        body = org.client(org.bob).get(url).content.decode()
        assert "<script>alert" not in body
        assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in body


def test_it_hides_another_units_conversation_page(org: Any, convs: Any) -> None:
    url = f"/care/c/{convs['care'].pk}/"
    assert org.client(org.alice).get(url).status_code == 200
    page = org.client(org.bob).get(url)
    assert page.status_code == 200
    assert b"complaint goes to customer_care" in page.content  # the triage reasons
    assert b"post it on the network yourself" in page.content  # no connector: it says so
    assert org.client(org.charlie).get(url).status_code == 404


@pytest.mark.parametrize(
    ("action", "data"),
    [
        ("assign", {"assignee": "me"}),
        ("reroute", {"unit": "product"}),
        ("intent", {"intent": "question"}),
        ("status", {"status": "resolved"}),
        ("note", {"text": "hi"}),
        ("reply", {"text": "hi"}),
    ],
)
def test_it_refuses_an_outsiders_action_and_lets_the_teammate_act(
    org: Any, convs: Any, action: str, data: dict[str, str]
) -> None:
    url = f"/care/c/{convs['care'].pk}/{action}/"
    assert org.client(org.charlie).post(url, data).status_code == 404
    assert Client().post(url, data).status_code == 302  # to the login page
    assert (Note.objects.count(), Reply.objects.count(), Correction.objects.count()) == (0, 0, 0)
    response = org.client(org.bob).post(url, data)
    assert response.status_code == 302
    assert org.client(org.alice).get(f"/care/c/{convs['care'].pk}/").status_code == 200


def test_it_works_a_conversation_from_the_page(org: Any, convs: Any) -> None:
    bob = org.client(org.bob)
    pk = convs["care"].pk
    bob.post(f"/care/c/{pk}/assign/", {"assignee": "me"})
    bob.post(f"/care/c/{pk}/reply/", {"text": "Sorry about that"})
    bob.post(f"/care/c/{pk}/note/", {"text": "Called them"})
    bob.post(f"/care/c/{pk}/status/", {"status": "resolved"})
    conv = Conversation.objects.get(pk=pk)
    assert (conv.assignee, conv.status) == (org.bob, Status.RESOLVED)
    page = bob.get(f"/care/c/{pk}/").content.decode()
    assert "Sorry about that" in page
    assert "logged, not sent" in page
    moved = bob.post(f"/care/c/{pk}/reroute/", {"unit": "product", "reason": "bug"})
    assert moved.url == "/care/"  # no longer bob's to see
    assert Correction.objects.get().new_value == "product"


def test_it_reports_a_bad_action_input_without_writing(org: Any, convs: Any) -> None:
    bob = org.client(org.bob)
    pk = convs["care"].pk
    response = bob.post(f"/care/c/{pk}/status/", {"status": "done"}, follow=True)
    assert b"status: " in response.content
    response = bob.post(f"/care/c/{pk}/reply/", {"text": "  "}, follow=True)
    assert b"text: Write the reply first." in response.content
    assert Reply.objects.count() == 0


def test_it_filters_and_reports_an_unknown_filter(org: Any, convs: Any) -> None:
    alice = org.client(org.alice)
    only_product = alice.get("/care/?intent=feedback").content
    assert b"feature idea" in only_product
    assert b"my bill is broken" not in only_product
    assert b"my bill is broken" in alice.get("/care/?q=bill").content
    assert b"my bill is broken" in alice.get("/care/?q=@ann").content
    assert b"feature idea" not in alice.get("/care/?unit=care").content
    bad = alice.get("/care/?sla=soonish")
    assert bad.status_code == 422
    assert b"sla: &#x27;soonish&#x27; is not one of" in bad.content


def test_it_answers_htmx_with_the_results_only(org: Any, convs: Any) -> None:
    response = org.client(org.alice).get(
        "/care/?intent=complaint", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="inbox-results"
    )
    assert b"<table" in response.content
    assert b"<html" not in response.content


def test_it_lists_in_a_constant_number_of_queries(
    org: Any, fake_triage: FakeTriager, django_assert_max_num_queries: Any
) -> None:
    alice = org.client(org.alice)
    services.ingest_posts([post(i, f"Is {i} late?", author=f"p{i}") for i in range(2)])
    alice.get("/care/")
    with django_assert_max_num_queries(15):
        alice.get("/care/")
    services.ingest_posts([post(i, f"Is {i} late?", author=f"p{i}") for i in range(10, 60)])
    with django_assert_max_num_queries(15):
        response = alice.get("/care/")
    assert response.content.count(b'data-href="/care/c/') == 50
    assert b"Next page" in response.content


@pytest.mark.parametrize(
    "query", ["unit=care&sla=breached", "unit=care&sort=newest", "sort=priority&status=all"]
)
def test_it_pages_a_filtered_queue_in_a_constant_number_of_queries(
    org: Any, fake_triage: FakeTriager, django_assert_max_num_queries: Any, query: str
) -> None:
    alice, bob = org.client(org.alice), org.client(org.bob)
    services.ingest_posts([post(i, f"Is {i} late?", author=f"p{i}") for i in range(60)])
    Conversation.objects.update(due_at=timezone.now() - timedelta(hours=1))
    for client in (alice, bob):
        client.get(f"/care/?{query}")
        with django_assert_max_num_queries(15):
            first = client.get(f"/care/?{query}")
        next_url = re.search(rb'href="\?([^"]*cursor=[^"]*)" rel="next"', first.content)
        assert next_url is not None
        with django_assert_max_num_queries(15):
            second = client.get("/care/?" + html.unescape(next_url.group(1).decode()))
        shown = re.findall(rb'data-id="(\d+)"', first.content + second.content)
        assert len(shown) == len(set(shown)) == 60


def test_it_applies_bulk_actions_to_what_the_person_may_act_on(org: Any, convs: Any) -> None:
    ids = [convs["care"].pk, convs["product"].pk]
    org.client(org.bob).post("/care/bulk/", {"ids": ids, "action": "status:resolved"})
    assert not Conversation.objects.filter(status=Status.RESOLVED).exists()
    org.client(org.alice).post("/care/bulk/", {"ids": ids, "action": "me:"})
    assert Conversation.objects.filter(assignee=org.alice).count() == 2
    org.client(org.alice).post("/care/bulk/", {"ids": ids, "action": "reroute:hub"})
    assert Conversation.objects.filter(unit=org.hub).count() == 2
    assert Correction.objects.count() == 2


def test_it_exports_the_filtered_conversations_as_safe_csv(org: Any, convs: Any) -> None:
    response = org.client(org.alice).get("/care/export.csv?intent=feedback")
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][0] == "id"
    assert len(rows) == 2
    assert rows[1][-1].startswith("'=HYPERLINK")  # a formula is neutralized
    teammate = org.client(org.bob).get("/care/export.csv")
    body = b"".join(teammate.streaming_content).decode()
    assert "feature idea" not in body
    assert "my bill is broken" in body
    assert org.client(org.nobody).get("/care/export.csv").status_code == 403


def test_it_lets_a_person_step_away_from_round_robin(org: Any, convs: Any) -> None:
    from escapevelocity.care.models import AgentStatus

    bob = org.client(org.bob)
    assert b"Available for round-robin" in bob.get("/care/").content
    assert bob.post("/care/availability/", {}).status_code == 302
    assert AgentStatus.objects.get(user=org.bob).available is False
    bob.post("/care/availability/", {"available": "on"})
    assert AgentStatus.objects.get(user=org.bob).available is True
    assert org.client(org.nobody).post("/care/availability/", {}).status_code == 403
    assert Client().post("/care/availability/", {}).status_code == 302


def test_it_shows_each_replys_delivery_when_a_connector_sends_on_the_channel(
    org: Any, convs: Any
) -> None:
    from escapevelocity.care import listen
    from escapevelocity.care.models_connectors import DeliveryStatus, ReplyDelivery
    from escapevelocity.org import permissions

    conv = convs["care"]
    listen.connector_save(
        actor=permissions.system_actor(),
        name="mastodon-care",
        kind="mastodon_mentions",
        account="lumen",
        channel=conv.channel.key,
        options={"base_url": "http://127.0.0.1:9"},
        credentials={"access_token": "t0ken"},
    )
    bob = org.client(org.bob)
    url = f"/care/c/{conv.pk}/"
    page = bob.get(url).content.decode()
    assert "Send reply" in page
    assert "through its connector" in page
    bob.post(f"{url}reply/", {"text": "We are on it"})
    assert listen.replies_enqueue() == 1
    assert "waiting to be sent" in bob.get(url).content.decode()

    delivery = ReplyDelivery.objects.get()
    ReplyDelivery.objects.filter(pk=delivery.pk).update(
        status=DeliveryStatus.FAILED, last_error="Not sent: <b>401 from the network</b>."
    )
    page = bob.get(url).content.decode()
    assert "not sent" in page
    assert "&lt;b&gt;401 from the network&lt;/b&gt;" in page  # errors are text too

    ReplyDelivery.objects.filter(pk=delivery.pk).update(
        status=DeliveryStatus.SENT, url="https://mastodon.example/@lumen/1"
    )
    Reply.objects.update(sent=True)
    page = bob.get(url).content.decode()
    assert ">sent<" in page
    assert 'href="https://mastodon.example/@lumen/1"' in page


def test_it_links_the_hub_and_only_the_hub_to_the_connectors_page(org: Any, convs: Any) -> None:
    assert b'href="/care/connectors/"' in org.client(org.alice).get("/care/").content
    assert b'href="/care/connectors/"' not in org.client(org.bob).get("/care/").content
