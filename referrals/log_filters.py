"""Keep the participant's feedback token out of the server's own logs.

The slip's printed link carries the token in its path; its first visit exchanges it for a session
(referrals.views.participant_feedback_link), so that one request line is the only one that holds it.
This filter blanks it in what Django's loggers write about that request.
"""

import logging
import re

# The path of the private link, wherever it stands in a request line or a "Not Found" warning.
# A resource list's private link (handouts) and a plan's (plans/participant.py) are exchanged the same way;
# the plan's own pages under /plans/mine/steps/ carry no token.
FEEDBACK_TOKEN = re.compile(r"(/referrals/feedback/|/lists/shared/|/plans/mine/(?!steps/))[^/\s?\"']+")
HIDDEN = r"\1[token]"


class HideFeedbackTokens(logging.Filter):
    """Replace the token in a record's message with ``[token]``; the record is always kept."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        hidden = FEEDBACK_TOKEN.sub(HIDDEN, message)
        if hidden != message:
            record.msg, record.args = hidden, ()
        return True
