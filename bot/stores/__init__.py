"""Where the bot keeps state between messages and requests: each store is a port (an abstract class
here), implemented on a database (`database.py`: the embedded SQLite file, or PostgreSQL that replicas
share), and chosen in `bootstrap` from PROTOCOL_BOT_DATABASE_URL."""
