"""Write a large visits CSV for measuring ``flask visits import`` memory and time.

    python benchmarks/visits_import.py OUT.csv --rows 1500000 --cards 50000 \
        --centres nabo,kontakten --districts 1,2,3

Then ``/usr/bin/time -v flask --app wsgi visits import OUT.csv`` and read
"Maximum resident set size". Card codes are generated with the app's own
alphabet and check character, so every row is valid.
"""

import argparse
import csv
import random
import sys
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from vaerested.checkin.codes import generate_code  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("out")
    parser.add_argument("--rows", type=int, default=1_500_000)
    parser.add_argument("--cards", type=int, default=50_000)
    parser.add_argument("--anonymous", type=float, default=0.3)
    parser.add_argument("--centres", required=True)
    parser.add_argument("--districts", default="")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rnd = random.Random(args.seed)
    codes = [generate_code() for _ in range(args.cards)]
    centres = args.centres.split(",")
    districts = [""] + [d for d in args.districts.split(",") if d]
    start = datetime(2025, 1, 1, 8)
    with open(args.out, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["centre", "visited_at", "card", "home_district"])
        for _ in range(args.rows):
            when = start + timedelta(seconds=rnd.randrange(0, 600 * 86400))
            card = "" if rnd.random() < args.anonymous else rnd.choice(codes)
            writer.writerow(
                [
                    rnd.choice(centres),
                    when.isoformat(timespec="seconds"),
                    card,
                    rnd.choice(districts),
                ]
            )


if __name__ == "__main__":
    main()
