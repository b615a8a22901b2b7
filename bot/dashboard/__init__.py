"""The web dashboard: sign-in links, sessions and CSRF (``auth``), the contract features write
their pages against (``pages``), and the aiohttp side that serves them (``server``)."""
