"""Synthetic customer service messages with a known answer: intents, the answers agents sent, ratings,
dates, products and customers; a complaint topic that rises in the last weeks.

Each message is built from phrases of its intent (delivery, returns, sizing, damaged item, payment,
praise), with shared filler words, typos and negations, so models must read words, not templates.
Unhappy customers (rating 1-2) write the complaint phrasings; the "damaged item" intent doubles in
the last four weeks for product P3, whose sales fall at the same time (see :func:`sales_for`).

``python benchmarks/feedback_synthetic.py OUT.csv [--messages N]`` writes a file.
"""

from __future__ import annotations

import argparse

import numpy as np
import pandas as pd

INTENTS: dict[str, tuple[list[str], list[str], str]] = {
    # intent: (unhappy phrasings, neutral or happy phrasings, the answer agents send)
    "delivery": (["my parcel never arrived", "the order is two weeks late and nobody answers",
                  "still waiting for my delivery, very disappointed", "courier lost my package again"],
                 ["when will my order be delivered", "can I change the delivery address",
                  "what is the tracking number for my order"],
                 "Sorry for the wait. Your parcel is with the courier; here is the tracking link. If it has not "
                 "arrived in 3 days we send a new one free."),
    "returns": (["I returned it a month ago and still no refund", "the refund is wrong, I was charged twice",
                 "returning this was a nightmare"],
                ["how do I return a jacket", "can I exchange for another colour", "is the return free"],
                "You can return any item within 30 days for free: print the label from your account. The refund "
                "reaches your card within 5 days of our receiving it."),
    "sizing": (["runs really small, could not even zip it", "way too big and the sleeves are huge",
                "the size chart is wrong, very unhappy"],
               ["which size should I take, I am usually a medium", "does this dress run true to size",
                "what are the measurements of the large"],
               "Our sizes follow the chart on each product page; if you are between two sizes, take the larger one. "
               "Exchanges for another size are free."),
    "damaged": (["arrived torn and dirty", "the zipper broke after one wear, poor quality",
                 "the item was damaged and stained when it arrived", "fabric ripped at the seam, awful"],
                ["one button was loose, can you send a spare", "small mark on the sleeve, is it normal"],
                "We are sorry the item arrived damaged. Send us a photo and we will replace it or refund you in full, "
                "with no need to return it."),
    "payment": (["my card was charged but the order was cancelled", "the discount code did not work, not happy",
                 "payment failed three times, terrible checkout"],
                ["can I pay with paypal", "do you accept gift cards", "how do I use my voucher"],
                "We accept cards, PayPal and gift cards. A failed payment is never charged; if you see a charge, it "
                "disappears within 3 days."),
    "praise": ([],
               ["love this dress, fits perfectly", "great quality and fast delivery, thank you",
                "beautiful colour, I get compliments every time", "perfect fit, will buy again"],
               "Thank you for your kind words! We are glad you love it."),
}
FILLERS = ["", "hello,", "hi team,", "please help.", "thanks.", "regards", "order 4411.", "asap", "!!"]
PRODUCTS = ["P1", "P2", "P3", "P4", "P5", "P6"]
TYPOS = {"delivery": "delivry", "refund": "refnd", "quality": "qualty", "arrived": "arived", "size": "sise"}


def _message(rng: np.random.Generator, phrases: list[str]) -> str:
    text = str(rng.choice(phrases))
    if rng.random() < 0.2:
        word = str(rng.choice(list(TYPOS)))
        text = text.replace(word, TYPOS[word])
    return " ".join(part for part in (str(rng.choice(FILLERS)), text, str(rng.choice(FILLERS))) if part).strip()


def messages(n: int = 2000, seed: int = 0, weeks: int = 26) -> pd.DataFrame:
    """``n`` service messages over ``weeks`` weeks ending 2024-06-30 (one row per message)."""
    rng = np.random.default_rng(seed)
    end = pd.Timestamp("2024-06-30")
    days = rng.integers(0, weeks * 7, n)
    dates = end - pd.to_timedelta(days, unit="D")
    recent = days < 28
    intents = rng.choice(list(INTENTS), n, p=[0.22, 0.18, 0.18, 0.12, 0.1, 0.2])
    products = rng.choice(PRODUCTS, n)
    surge = recent & (rng.random(n) < 0.25)  # damaged P3 items in the last four weeks
    intents = np.where(surge, "damaged", intents)
    products = np.where(surge, "P3", products)
    unhappy = np.array([intent != "praise" and rng.random() < 0.55 for intent in intents]) | surge
    rows = []
    for i in range(n):
        bad, good, answer = INTENTS[intents[i]]
        text = _message(rng, bad if unhappy[i] and bad else good)
        rating = int(rng.integers(1, 3)) if unhappy[i] else int(rng.integers(3, 6))
        rows.append({"Ticket ID": f"T{i + 1:05d}", "Created": dates[i].strftime("%Y-%m-%d"),
                     "Customer": f"C{int(rng.integers(1, n // 3 + 2)):04d}", "Product": products[i],
                     "Channel": str(rng.choice(["email", "chat", "web"])), "Message": text,
                     "Stars": rating if rng.random() < 0.8 else None, "Intent": intents[i],
                     "Reply": answer if rng.random() < 0.9 else None})
    return pd.DataFrame(rows)


def sales_for(frame: pd.DataFrame, seed: int = 0) -> pd.DataFrame:
    """Daily sales of the messages' products over the same weeks; P3 sells 40% less in the last four weeks."""
    rng = np.random.default_rng(seed)
    days = pd.date_range(pd.Timestamp(frame["Created"].min()), pd.Timestamp(frame["Created"].max()), freq="D")
    rows = []
    for product in PRODUCTS:
        base = rng.poisson(20, len(days)).astype(float)
        if product == "P3":
            base[-28:] *= 0.6
        rows += [{"Date": day.strftime("%Y-%m-%d"), "SKU": product, "Qty": int(units), "Price": 25.0}
                 for day, units in zip(days, base, strict=True)]
    return pd.DataFrame(rows)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out")
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    messages(args.messages, args.seed).to_csv(args.out, index=False)
