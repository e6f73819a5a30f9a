"""Server-rendered pages: public forms, verification and self-service."""
