"""The privacy guard: personal data is refused, ordinary scenario values are not."""

from __future__ import annotations

import pytest

from tipoff.scenario._privacy import privacy_problem

ADVICE = (
    "tipoff holds pseudonyms only: use a made-up id and a town name, "
    "never real names, addresses or phone numbers"
)


@pytest.mark.parametrize(
    "text",
    [
        "+82 10-1234-5678",
        "010 1234 5678",
        "010-1234-5678",
        "01012345678",
        "13912345678",
        "+86 139 1234 5678",
        "(02) 123-4567",
        "call 010.1234.5678 after dark",
        "+8210123456",
    ],
)
def test_phone_numbers(text: str) -> None:
    assert privacy_problem(text) == f"looks like a phone number; {ADVICE}"


@pytest.mark.parametrize("text", ["kim@example.com", "a.b+c@mail.co.kr", "x (me@host.cn)"])
def test_email_addresses(text: str) -> None:
    assert privacy_problem(text) == f"looks like an e-mail address; {ADVICE}"


@pytest.mark.parametrize(
    "text",
    [
        "12 Main Street",
        "221B Baker St",
        "12 main st",
        "Baker Street 221",
        "Apt 4B",
        "apartment 12",
        "Building 3",
        "Yeoksam-dong 123",
        "152 Teheran-ro",
        "Sinchon-ri 5",
        "123번지",
        "301호",
        "101동 1203호",
        "역삼동 12",
        "세종대로 110",
        "中山路12号",
        "长安街 5",
    ],
)
def test_street_addresses(text: str) -> None:
    assert privacy_problem(text) == f"looks like a street address; {ADVICE}"


@pytest.mark.parametrize(
    "text",
    [
        "s001",
        "r1",
        "s001.f1",
        "c-hoeryong-2",
        "s0000001",
        "Hoeryong",
        "Pyongyang",
        "Kaechon",
        "Musan",
        "Dandong",
        "dandong-2",
        "yanji",
        "February to April (90 days), 300 senders",
        "sources.md §6",
        "season 2019-2024",
        "2024-01-15",
        "15.01.2024",
        "1 000 000 KRW",
        "300 400 500 600",
        "10 20 30 40 50",
        "3.14159265",
        "0.001",
        "1500",
        "The 3 couriers cross the road",
        "recipient_address",
        "송금 경로 2개",
        "90일 동안",
        "",
    ],
)
def test_ordinary_values_pass(text: str) -> None:
    assert privacy_problem(text) is None
