"""The staffing forecast: an average day's held comments against a rota."""

import datetime as dt

import pytest
from django.utils import timezone

from comments.models import ModerationEvent
from desk.forecast import RotaError, forecast, parse_rota
from factories import HOLD_ALL, make_comment, make_seed_article


def test_a_rota_reads_as_people_write_it_and_bad_ones_are_named():
    rota = parse_rota("0-7:0, 7-17:2, 17-24:1")
    assert rota[:7] == [0] * 7 and rota[7:17] == [2] * 10 and rota[17:] == [1] * 7
    for bad in ("9-5:1", "7-25:1", "nine to five", "7-17"):
        with pytest.raises(RotaError, match="'"):
            parse_rota(bad)


def test_the_night_backlog_meets_the_morning_shift():
    arrivals = [6.0] * 24  # 6 held comments an hour, all day
    rota = parse_rota("8-20:1")  # one moderator, 120 an hour at 30 s each
    result = forecast(arrivals, rota, review_seconds=30, target_hours=1)
    by_hour = {h.hour: h for h in result.hours}
    assert by_hour[7].backlog == pytest.approx(12 * 6)  # 20:00-08:00 piled up
    assert by_hour[8].backlog == 0  # the morning shift clears it
    assert by_hour[10].wait_hours == pytest.approx(3 / 120)  # half the hour's arrivals ahead
    assert by_hour[2].wait_hours == pytest.approx(6 + (6 * 6 + 3) / 120)  # waits for 08:00, then the pile
    assert any("Nobody is on duty at 00:00–08:00, 20:00–24:00" in s for s in result.suggestions)
    covered = forecast(
        arrivals, parse_rota("0-24:1"), review_seconds=30, target_hours=1, all_arrivals=[100.0] * 12 + [500.0] * 12
    )
    assert covered.suggestions[0].startswith("Every hour's held comments are decided within 1 h")
    # 120 an hour can be read: every comment could wait for a moderator in the quiet half of the day.
    assert "At 00:00–12:00 the moderators on duty could read every comment" in covered.suggestions[1]


@pytest.mark.django_db
def test_the_page_forecasts_from_the_sites_own_held_comments(admin_user, client):
    article = make_seed_article()
    for n in range(3):
        make_comment(article, policy=HOLD_ALL, body=f"Held {n}.")
    now = timezone.localtime()
    at = now.replace(hour=22, minute=30, second=0, microsecond=0)  # the last 22:30 gone: inside the last day
    at -= dt.timedelta(days=1) if at > now else dt.timedelta(0)
    ModerationEvent.objects.filter(action="auto").update(created_at=at)
    client.force_login(admin_user)
    html = client.get(
        "/staff/staffing/", {"rota": "7-20:1", "review_seconds": 30, "target_hours": 1, "days": 1}
    ).content.decode()
    assert "Nobody is on duty at" in html and "22:00–23:00" in html
    row = html[html.index("<td>22:00</td>") :].split("</tr>")[0]
    assert ">3.0<" in row and ">0<" in row  # three arrive, no moderator
    bad = client.get("/staff/staffing/", {"rota": "late:1"}).content.decode()
    assert "write each shift as START-END:MODERATORS" in bad and "is-invalid" in bad
