"""Protocol Bot in Slack: mentions, DMs, thread follow-ups, /protocol, App Home, feedback and admin commands."""
