"""Messages that ask nothing: "thanks", "hello", "ok", "lol", "cheers, that's helpful", "that's not what I asked".

People say these in chat all the time, to the bot and, in its threads, to each other. Searched as a
question, "ok" was answered with whatever clause came nearest; in a thread or a chat it was asked
together with the question before it, so a "thanks" brought the same answer back again.
"""

from __future__ import annotations

import re

from bot import messages

_GREETINGS = frozenset({"hi", "hello", "hey", "hiya", "morning", "afternoon", "evening"})
_THANKS = frozenset({"thanks", "thank", "thankyou", "thx", "ty", "ta", "cheers"})
# Everything else that may stand beside them without asking anything ("that's really helpful, thank you all").
_ACKNOWLEDGEMENTS = frozenset({
    "ok", "okay", "okey", "k", "kk", "cool", "great", "brilliant", "perfect", "lovely", "nice", "super", "excellent",
    "awesome", "fab", "fantastic", "helpful", "useful", "noted", "understood", "fine", "sorted", "good", "lol", "haha",
    "ha", "oh", "ah", "wow", "bye", "goodbye", "cya", "got", "it", "that", "that's", "thats", "this", "is", "was",
    "so", "very", "really", "much", "many", "a", "lot", "you", "for", "the", "help", "answer", "all", "everyone",
    "there", "again", "stuff", "alright", "bot",
})
_SAYS_NOTHING = _GREETINGS | _THANKS | _ACKNOWLEDGEMENTS
# "no", "that's not what I asked": the last answer missed. Asked again with its topic it would come back the same.
_NOT_HELPED = frozenset({"no", "nope", "not", "wrong", "incorrect", "isn't", "isnt", "doesn't", "doesnt", "didn't",
                         "didnt", "unhelpful", "useless", "rubbish"})
_ABOUT_THE_ANSWER = frozenset({"what", "i", "asked", "my", "question", "meant", "mean", "quite", "at", "me", "sorry",
                               "but", "one", "clause"})
_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)*")


def reply_to_small_talk(text: str) -> str | None:
    """The reply to a message made only of greetings, thanks and acknowledgements, or only of saying the last
    answer missed; None for anything else, which includes every message with a word of its own ("hello, can I
    copy this email?", "not for the clerk?")."""
    words = set(_WORD.findall(text.lower().replace("’", "'")))
    polite_no = bool(words & _THANKS) and words & _NOT_HELPED == {"no"}  # "no thanks"
    missed = bool(words & _NOT_HELPED) and not polite_no
    allowed = _SAYS_NOTHING | (_NOT_HELPED | _ABOUT_THE_ANSWER if missed else {"no"} if polite_no else frozenset())
    if not words or not words <= allowed:
        return None
    if missed:
        return messages.SMALL_TALK_NOT_HELPED
    if words & _GREETINGS and not words & _THANKS:
        return messages.SMALL_TALK_GREETING
    return messages.SMALL_TALK_THANKS
