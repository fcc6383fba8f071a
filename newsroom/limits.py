"""The limits a comment must keep, one constant each: the form, the model, the service and the simulator use these."""

NAME_MAX_LENGTH = 50
# RFC 5321's limit for a forward path, and Django's EmailField default.
EMAIL_MAX_LENGTH = 254
BODY_MAX_LENGTH = 3000
REPORT_NOTE_MAX_LENGTH = 500
APPEAL_NOTE_MAX_LENGTH = 2000
