"""The people of the access matrices (test_access_*.py)."""

ANONYMOUS, STRANGER, STAFF = "anonymous", "stranger", "staff"
CANDIDATE, INTERVIEWER = "candidate", "interviewer"
OTHER_CANDIDATE, OTHER_INTERVIEWER = "candidate of another room", "interviewer of another room"
PEOPLE = [ANONYMOUS, STRANGER, STAFF, CANDIDATE, INTERVIEWER, OTHER_CANDIDATE, OTHER_INTERVIEWER]
SIGNED_IN = set(PEOPLE) - {ANONYMOUS}
PARTICIPANTS = {CANDIDATE, INTERVIEWER}
BANK = "video-recommendation"
