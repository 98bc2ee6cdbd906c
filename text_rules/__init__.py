"""Text rules shared by profiles, viral_ideas and jobs: hooks, keyphrases, sentences.

Pure functions over strings, no database; each rule is written once here and used by every app.

    text        cleaning captions (links, hashtags, mentions, emoji), sentences, words, stop words
    keyphrases  the keyphrases of a brief, caption or pattern (YAKE plus caption rules)
    hooks       a reel's hook and its type, with a confidence and the cue that decided it
"""
