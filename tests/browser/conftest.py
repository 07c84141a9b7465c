# The headless Chromium (`browser`: Debian's /usr/bin/chromium, skipped where it is missing) and the page
# that records console messages, errors, requests and dialogs (`page`, opening the module's `report_file`)
# are the scorecard test's; the fleet scorecard's test uses them from here with its own report_file.
from test_scorecard_browser import browser, page  # noqa: F401
