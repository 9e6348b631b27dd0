"""The clerk's page: the month at a glance, files dropped in, reminders sent, in the browser.

``web.serve.serve(root, host, port)`` runs it (``run.py web``); ``web.app.create_app``
builds the Flask application; ``web.actions`` is the only module that calls the jobs.
"""
