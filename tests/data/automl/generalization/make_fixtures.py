#!/usr/bin/env python3
"""Writes the small data sets the CLI tests train on, as a new user's files would look:
other separators, line ends, encodings marks, sizes, class counts and column types than
Bank Marketing. Deterministic (seeded); run from this directory to regenerate."""
import math
import random


def write(name, header, rows, sep, newline, bom=False):
    def field(v):
        s = "" if v is None else str(v)
        if sep in s or '"' in s or "\n" in s:
            s = '"' + s.replace('"', '""') + '"'
        return s

    with open(name, "w", encoding="utf-8", newline="") as f:
        if bom:
            f.write("\ufeff")
        f.write(sep.join(header) + newline)
        for r in rows:
            f.write(sep.join(field(v) for v in r) + newline)


def churn(n, seed):
    """Binary, ';' separated, CRLF, UTF-8 BOM; an ID column, a constant column, a
    high-cardinality city, quoted categories holding the separator, missing values."""
    rng = random.Random(seed)
    plans = ["basic; legacy", "plus", 'pro "annual"']
    rows = []
    for i in range(n):
        plan = rng.choice(plans)
        tenure = rng.randint(1, 72)
        fee = round(rng.uniform(10, 120), 2)
        calls = min(12, int(rng.expovariate(0.5)))
        city = "city_%03d" % rng.randint(0, 159)
        z = -1.0 + 0.45 * calls - 0.05 * tenure + 0.02 * fee + (0.9 if plan == "basic; legacy" else 0) + rng.gauss(0, 0.8)
        churned = "yes" if z > 0 else "no"
        tenure_cell = None if rng.random() < 0.04 else tenure
        fee_cell = "NA" if rng.random() < 0.03 else fee
        rows.append(["C%05d" % (seed * 10000 + i), plan, city, tenure_cell, fee_cell, calls, "web", churned])
    return ["customer_id", "plan", "city", "tenure_months", "monthly_fee", "support_calls", "source", "churned"], rows


def wine(n, seed):
    """Three classes with numeric labels (3, 5, 7), tab separated, LF, numbers only."""
    rng = random.Random(seed)
    rows = []
    for _ in range(n):
        alcohol = rng.uniform(8, 15)
        acidity = rng.uniform(0.1, 1.6)
        sugar = rng.expovariate(0.3)
        ph = rng.uniform(2.8, 4.0)
        sulphates = rng.uniform(0.3, 1.5)
        density = 0.99 + rng.uniform(0, 0.01)
        score = 0.9 * (alcohol - 11.5) - 2.2 * (acidity - 0.8) + 1.5 * (sulphates - 0.9) + rng.gauss(0, 0.7)
        quality = 3 if score < -1.0 else 5 if score < 1.0 else 7
        rows.append([round(alcohol, 2), round(acidity, 3), round(sugar, 2), round(ph, 2), round(sulphates, 2),
                     round(density, 5), quality])
    return ["alcohol", "volatile acidity", "residual sugar", "pH", "sulphates", "density", "quality"], rows


def sensors(n, seed):
    """Four imbalanced classes, '|' separated, LF; booleans, a time-of-day category and a
    column that is missing a third of the time."""
    rng = random.Random(seed)
    rows = []
    for _ in range(n):
        temp = rng.gauss(60, 15)
        vibration = abs(rng.gauss(2, 1.2))
        door_open = rng.random() < 0.3
        shift = rng.choice(["night", "day", "evening"])
        humidity = None if rng.random() < 0.33 else round(rng.uniform(20, 90), 1)
        if temp > 76 and vibration > 2.0:
            state = "overheat"
        elif vibration > 3.6:
            state = "unbalanced"
        elif door_open and shift == "night":
            state = "intrusion"
        else:
            state = "normal"
        rows.append([round(temp, 1), round(vibration, 2), "true" if door_open else "false", shift, humidity, state])
    return ["temperature", "vibration", "door_open", "shift", "humidity", "state"], rows


if __name__ == "__main__":
    h, r = churn(600, 1)
    write("churn_semicolon.csv", h, r, ";", "\r\n", bom=True)
    h, r = churn(200, 2)
    write("churn_semicolon_test.csv", h, r, ";", "\r\n", bom=True)
    h, r = wine(450, 3)
    write("wine_quality.tsv", h, r, "\t", "\n")
    h, r = sensors(500, 4)
    write("sensors_pipe.csv", h, r, "|", "\n")
