"""Server-rendered pages (Jinja2), their text in Chinese and English, and their assets."""
