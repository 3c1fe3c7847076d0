"""The admin console: a web page, served by the bot, from which a clerk runs it."""
