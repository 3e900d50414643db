"""How long matching takes, and how much memory, as a cohort grows.

Builds synthetic mentors and mentees with a seeded RNG (several time zones and working hours,
teams, topics, seniorities, reporting lines, some capacity 2, some dissolved pairs) and times
`propose` (scoring, the hard-constraint mask, the solver, reasons for the pairs and for
everyone left out). Each size runs in its own process, so its peak RSS is its own.
Prints figures; asserts nothing. Run: .venv/bin/python bench/matching.py [size ...]
"""

from __future__ import annotations

import random
import resource
import subprocess
import sys
import time
import tracemalloc
from datetime import date

from bot import matching
from bot.content import Content
from bot.matching import Candidate

ON = date(2025, 3, 20)  # New York is already on summer time, London not yet
ZONES = (
    "Europe/London",
    "Europe/Berlin",
    "America/New_York",
    "America/Los_Angeles",
    "Asia/Kolkata",
    "Asia/Tokyo",
    "Australia/Sydney",
    "UTC",
)
HOURS = ((9, 17), (8, 16), (10, 18), (7, 15), (12, 20), (22, 6))
TOPICS = tuple(f"Topic {n}" for n in range(40))
TEAMS = (*(f"team {n}" for n in range(20)), None)


def cohort(
    size: int, seed: int = 7
) -> tuple[list[Candidate], list[Candidate], set[frozenset[int]]]:
    rng = random.Random(seed)
    mentor_ids = list(range(1, size + 1))
    mentee_ids = list(range(size + 1, 2 * size + 1))

    def person(person_id: int, role: str) -> Candidate:
        start, end = rng.choices(HOURS, weights=(6, 2, 2, 1, 1, 0.2))[0]
        senior = role == "mentor"
        return Candidate(
            person_id=person_id,
            name=f"{role} {person_id}",
            role=role,
            seniority=rng.randint(4, 10) if senior else rng.randint(1, 7),
            topics_offered=tuple(rng.sample(TOPICS, rng.randint(1, 4))) if senior else (),
            topics_wanted=() if senior else tuple(rng.sample(TOPICS, rng.randint(1, 3))),
            team=rng.choice(TEAMS),
            # One in ten reports to someone on the other side.
            manager_id=rng.choice(mentor_ids if not senior else mentee_ids)
            if rng.random() < 0.1
            else None,
            timezone=rng.choice(ZONES),
            work_start_hour=start,
            work_end_hour=end,
            capacity=2 if senior and rng.random() < 0.2 else 1,
        )

    mentors = [person(i, "mentor") for i in mentor_ids]
    mentees = [person(i, "mentee") for i in mentee_ids]
    dissolved = {
        frozenset((rng.choice(mentor_ids), rng.choice(mentee_ids))) for _ in range(size // 100)
    }
    return mentors, mentees, dissolved


def run(size: int) -> None:
    mentors, mentees, dissolved = cohort(size)
    content = Content.load()

    def propose() -> matching.Proposal:
        return matching.propose(
            kind="classic",
            mentors=mentors,
            mentees=mentees,
            excluded=dissolved,
            on=ON,
            content=content,
        )

    propose()  # warm the zone and window caches, as a long-running bot has them
    timings = []
    for _ in range(3):
        started = time.perf_counter()
        proposal = propose()
        timings.append(time.perf_counter() - started)
    tracemalloc.start()
    propose()
    _, traced_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    print(
        f"{size:>5} x {size:<5} best {min(timings):6.2f} s  worst {max(timings):6.2f} s  "
        f"traced peak {traced_peak / 2**20:6.0f} MiB  process peak RSS {rss_mb:6.0f} MiB  "
        f"pairs {len(proposal.pairs)}, unmatched mentors {len(proposal.unmatched_mentors)}, "
        f"mentees {len(proposal.unmatched_mentees)}"
    )


def main(sizes: list[int]) -> None:
    for size in sizes:
        # A process per size, so the peak RSS belongs to that size alone.
        subprocess.run([sys.executable, __file__, "--one", str(size)], check=True)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--one"]:
        run(int(sys.argv[2]))
    else:
        main([int(arg) for arg in sys.argv[1:]] or [1000, 2000])
