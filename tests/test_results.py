"""Results kept between requests (`core.results`, decision 0013): kept while the data they read
is unchanged, read again after any change committed to it, never across readers, languages or
time zones, and not at all when RESULTS_SECONDS is 0."""

import threading
import time

import pytest
from django.db import connection, connections, transaction
from django.utils import timezone, translation

from regionbridge.core import results
from regionbridge.core.models import DataVersion
from regionbridge.messaging.models import ReadState
from regionbridge.partnerships.models import Sphere
from regionbridge.partnerships.services import partnership_create, spheres_load
from tests.conftest import region
from tests.factories import OrganizationFactory

pytestmark = pytest.mark.django_db


class Counter:
    """A computation that says how often it ran."""

    def __init__(self):
        self.runs = 0

    def __call__(self):
        self.runs += 1
        return {"run": self.runs}


def kept(compute, *parts, reads=results.WATCHED_APPS):
    return results.remember("test", parts, compute, reads=reads)


def test_a_result_is_computed_once_while_nothing_changes():
    compute = Counter()
    assert kept(compute, 1) == {"run": 1}
    assert kept(compute, 1) == {"run": 1}
    assert compute.runs == 1


def test_other_parts_are_other_results():
    compute = Counter()
    kept(compute, 1)
    kept(compute, 2)
    assert compute.runs == 2


def test_every_app_has_a_version_from_the_start():
    assert set(DataVersion.objects.values_list("app", flat=True)) >= set(results.WATCHED_APPS)


def test_a_saved_row_of_a_watched_app_makes_it_compute_again(reference):
    compute = Counter()
    kept(compute, 1)
    OrganizationFactory(name_en="New office")
    assert kept(compute, 1) == {"run": 2}


def test_a_result_that_reads_other_apps_is_kept(reference):
    compute = Counter()
    kept(compute, 1, reads=("partnerships",))
    OrganizationFactory(name_en="New office")
    assert kept(compute, 1, reads=("partnerships",)) == {"run": 1}


def test_a_many_to_many_change_makes_it_compute_again(reference):
    spheres_load()
    tie = partnership_create(
        by=None,
        ukrainian_region=region("UA-18"),
        partner_region=region("US-IN"),
        first_event_on=timezone.localdate(),
    )
    compute = Counter()
    kept(compute, 1, reads=("partnerships",))
    tie.spheres.add(Sphere.objects.get(code="culture"))
    assert kept(compute, 1, reads=("partnerships",)) == {"run": 2}


def test_rows_that_change_on_every_visit_are_not_watched(coordinator):
    labels = {model._meta.label for model in results.watched_models()}
    assert "messaging.ReadState" not in labels and "accounts.User" not in labels
    assert "partnerships.PartnershipEvent" in labels and "accounts.RoleAssignment" in labels
    before = results.version()
    coordinator.last_login = timezone.now()
    coordinator.save()
    assert results.version() == before
    assert ReadState._meta.label in results.UNWATCHED_MODELS


def test_a_change_rolled_back_leaves_the_version(reference):
    before = results.version()
    with pytest.raises(RuntimeError), transaction.atomic():
        OrganizationFactory(name_en="Never kept")
        assert results.version() != before  # the writer's own transaction sees its change
        raise RuntimeError
    assert results.version() == before


def test_a_version_lost_with_its_row_is_made_again(reference):
    DataVersion.objects.filter(app="organizations").delete()
    results.changed("organizations")
    assert DataVersion.objects.filter(app="organizations").count() == 1


def test_each_language_and_time_zone_has_its_own_result():
    compute = Counter()
    with translation.override("uk"):
        kept(compute, 1)
    with translation.override("en"):
        kept(compute, 1)
    with translation.override("en"), timezone.override("America/Indiana/Indianapolis"):
        kept(compute, 1)
    assert compute.runs == 3


def test_nothing_is_kept_when_turned_off(settings):
    settings.RESULTS_SECONDS = 0
    compute = Counter()
    kept(compute, 1)
    kept(compute, 1)
    assert compute.runs == 2


def test_an_app_without_a_version_is_refused():
    with pytest.raises(ValueError, match="no version"):
        kept(Counter(), 1, reads=("outbox",))


def test_data_generated_in_bulk_changes_every_version(reference, settings, tmp_path):
    from regionbridge.demo.generate import generate

    settings.MEDIA_ROOT = tmp_path
    before = dict(DataVersion.objects.values_list("app", "token"))
    generate(scale=0.01, seed=3)
    after = dict(DataVersion.objects.values_list("app", "token"))
    assert all(after[app] != before[app] for app in results.WATCHED_APPS)


def test_readers_arriving_together_wait_for_one_computation():
    started, release = threading.Event(), threading.Event()
    runs: list[int] = []
    drawn: list[str] = []

    def compute():
        runs.append(1)
        started.set()
        release.wait(5)
        return "drawn"

    def read():
        drawn.append(results.remember("herd", (1,), compute, reads=()))

    readers = [threading.Thread(target=read) for _ in range(4)]
    readers[0].start()
    assert started.wait(5)
    for reader in readers[1:]:
        reader.start()
    time.sleep(0.2)  # the others are waiting now
    release.set()
    for reader in readers:
        reader.join(5)
    assert runs == [1] and drawn == ["drawn"] * 4
    assert not results._computing  # nothing left behind


@pytest.mark.django_db(transaction=True)
def test_writers_changing_two_apps_in_opposite_orders_do_not_wait_for_each_other():
    """Each version's row is taken without waiting (PostgreSQL: SKIP LOCKED): two transactions
    that change meetings then messaging, and messaging then meetings, both commit (no deadlock),
    and each app's token is new after them."""
    if connection.vendor != "postgresql":
        pytest.skip("row locks are PostgreSQL's; SQLite writes one transaction at a time")
    for app in ("meetings", "messaging"):  # rows as the migration makes them (an earlier
        results.changed(app)  # transactional test may have flushed the table)
    before = dict(DataVersion.objects.values_list("app", "token"))
    barrier = threading.Barrier(2)
    failures: list[BaseException] = []

    def write(first: str, second: str) -> None:
        try:
            with transaction.atomic():
                results.changed(first)
                barrier.wait(5)
                results.changed(second)
        except BaseException as exc:  # reported by the assertion below
            failures.append(exc)
        finally:
            connections.close_all()

    writers = [
        threading.Thread(target=write, args=("meetings", "messaging")),
        threading.Thread(target=write, args=("messaging", "meetings")),
    ]
    for writer in writers:
        writer.start()
    for writer in writers:
        writer.join(20)
    assert failures == []
    after = dict(DataVersion.objects.values_list("app", "token"))
    assert after["meetings"] != before["meetings"] and after["messaging"] != before["messaging"]
