"""Teaching mode in a real browser: a resident's answers stay with the case across page switches."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.app_driver import choose, go_to, main, open_app, radio_group

pytestmark = pytest.mark.browser

DIAGNOSIS = "Does she meet the criteria for cervical insufficiency?"
ACOG = "Cerclage indication under ACOG?"


def test_answers_and_their_marking_survive_a_visit_to_another_page(page, streamlit_server, request) -> None:
    """Answers committed and revealed on Teaching are still chosen and marked after going to Criteria and back."""
    open_app(page, streamlit_server)
    go_to(page, "Teaching")
    choose(page, DIAGNOSIS, "✔ Met")
    choose(page, ACOG, "History-indicated")
    main(page).get_by_role("button", name="Reveal the answers").click()
    expect(main(page).get_by_text("Your answer matches.").first).to_be_visible()
    marked_before = main(page).get_by_text("Your answer matches.").count()
    go_to(page, "Criteria")
    go_to(page, "Teaching", shot=request.node.name)
    expect(radio_group(page, DIAGNOSIS).get_by_role("radio", name="✔ Met", exact=True)).to_be_checked()
    expect(radio_group(page, ACOG).get_by_role("radio", name="History-indicated", exact=True)).to_be_checked()
    expect(main(page).get_by_text("Your answer matches.")).to_have_count(marked_before)
    expect(main(page).get_by_text("You did not answer this one.")).to_have_count(1)  # RCOG left unanswered


def test_answers_chosen_before_the_reveal_survive_a_visit_to_another_page(page, streamlit_server, request) -> None:
    """An answer chosen but not yet revealed is still chosen after going to References and back."""
    open_app(page, streamlit_server)
    go_to(page, "Teaching")
    choose(page, DIAGNOSIS, "✘ Not met")
    go_to(page, "References")
    go_to(page, "Teaching", shot=request.node.name)
    expect(radio_group(page, DIAGNOSIS).get_by_role("radio", name="✘ Not met", exact=True)).to_be_checked()
    main(page).get_by_role("button", name="Reveal the answers").click()
    expect(main(page).get_by_text("You answered ✘ Not met.")).to_be_visible()
