"""Text rules shared by profiles, viral_ideas and jobs: hooks, keyphrases, sentences.

Pure functions over strings, no database; each rule is written once here and used by every app.
"""
