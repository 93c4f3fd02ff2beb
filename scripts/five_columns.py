"""Writes an employees CSV of five columns and N rows (default 128,000), every
row valid, for measuring an import of many small rows:

    python3 scripts/five_columns.py [ROWS] > five-columns.csv

Columns: Email, First Name, Last Name, Employee Status, Employee ID. The
emails are unique, so every row creates a record on the first import.
"""

import sys

FIRST = ["Ana", "Ben", "Chloe", "Dev", "Eva", "Femi", "Gus", "Hana", "Ivan", "Jo"]
LAST = ["Ortiz", "Nguyen", "Smith", "Okafor", "Kim", "Novak", "Haddad", "Silva"]
STATUS = ["Active", "Inactive", "On Leave", "Terminated"]


def main():
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 128_000
    out = sys.stdout
    out.write("Email,First Name,Last Name,Employee Status,Employee ID\n")
    for i in range(rows):
        first, last = FIRST[i % len(FIRST)], LAST[i % len(LAST)]
        out.write(
            f"{first.lower()}.{last.lower()}.{i}@example.com,{first},{last},"
            f"{STATUS[i % len(STATUS)]},E{i:07d}\n"
        )


if __name__ == "__main__":
    main()
