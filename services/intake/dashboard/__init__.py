"""The coordinators' dashboard: server-rendered pages under /dashboard (German and English)."""
