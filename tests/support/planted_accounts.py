"""Accounts planted for the viral-ideas tests: views and captions whose outliers are known answers.

Each value is (views newest first, captions); a reel is an outlier at ≥ 2× the median of its
account's other reels. plant() writes them with the tests' write_account fixture.
"""

from __future__ import annotations

# Three cooking competitors, each with a clear outlier:
#   alpha 4000 → 4.0× (a question), bravo 10000 → 5.0× and 6000 → 3.0×, charlie 12000 → 4.8× (how to).
COOKING_COMPETITOR_ACCOUNTS = {
    "comp_alpha": ([1000, 4000, 1000, 1000, 1000],
                   ["Sunday meal prep", "Why does nobody talk about this?", "Lunch at the studio", "Dinner plating",
                    "Market haul"]),
    "comp_bravo": ([2000, 6000, 10000, 2000, 2000],
                   ["Pantry tour", "5 mistakes beginners make", "Are you salting your pasta water wrong?",
                    "Breakfast bowl", "Stock pot"]),
    "comp_charlie": ([3000, 1000, 4000, 2000, 12000],
                     ["Noodle bar", "Rice cooker", "Tea time", "Soup pot", "How to fold dumplings in one minute"]),
}
COOKING_COMPETITORS = tuple(COOKING_COMPETITOR_ACCOUNTS)

# The results page's competitor × hook-type grid:
#   alpha: 5000 → 5.0×, 4000 → 4.0× (both questions); bravo: 8000 → 4.0× (how to), 6000 → 3.0× (a list);
#   quiet: none.
BREAKOUT_GRID_ACCOUNTS = {
    "grid_creator": ([1000, 1100, 900, 1000, 1000], ["Dinner tonight", "Lunch box", "Pasta night", "Soup", "Tacos"]),
    "grid_alpha": ([1000, 5000, 1000, 1000, 4000],
                   ["Market haul", "Why does nobody salt the pasta water?", "Plating", "Kitchen reset",
                    "Why is your rice always mushy?"]),
    "grid_bravo": ([2000, 2000, 8000, 2000, 6000],
                   ["Pantry tour", "Stock pot", "How to fold dumplings in one minute", "Breakfast bowl",
                    "5 mistakes beginners make with rice"]),
    "grid_quiet": ([1000, 1000, 1000, 1000, 1000], ["Tea", "Toast", "Salad", "Soup", "Bread"]),
}


def plant(write_account, accounts: dict, *, skip=(), hashtag: str | None = None) -> None:
    """Every account of `accounts` but those in `skip`; with `hashtag`, every reel carries it."""
    for name, (views, captions) in accounts.items():
        if name not in skip:
            tags = {"hashtags": [[hashtag]] * len(views)} if hashtag else {}
            write_account(name, views, captions=captions, **tags)
