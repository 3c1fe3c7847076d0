"""The protocol documents, their catalogue, and the clause parser."""
