"""What the DSFR's script does on the pilotage and public pages, in a real Chromium: at phone
width the header's « Menu » button opens the menu as a modal dialog (the header's links copied
into it, the focus kept inside, closed by « Fermer » or Escape, the focus given back), and the
tables get the script's frame. A page without a table runs the script at the first press of
« Menu » only (server/static/pilotage/dsfr.js). The pages use no other scripted DSFR component
(no accordion, tab, dropdown or other modal): tests/test_pages.py checks which ones the
templates write."""

import pytest
from playwright.sync_api import expect

from tests.browser.test_pilotage import log_in

# Where the focus is: inside the menu's dialog, or the element's text and tag.
FOCUS = """() => {
  const element = document.activeElement;
  return {inMenu: Boolean(element.closest('#menu-principal')),
          text: element.textContent.trim(), tag: element.tagName};
}"""


@pytest.fixture
def structure(make_structure, make_user):
    """A structure's account, its structure having one conseiller (a row in its table)."""
    lyon = make_structure("Mairie de Lyon", "69123", "69001")
    make_user("conseiller", structure=lyon)
    return make_user("structure", structure=lyon)


def open_menu(page, keyboard=False):
    button = page.get_by_role("button", name="Menu")
    if keyboard:
        button.focus()
        page.keyboard.press("Enter")
    else:
        button.click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_role("button", name="Fermer").wait_for(timeout=10_000)
    return dialog


@pytest.mark.parametrize(
    ("role", "path", "tool", "link"),
    [
        (None, "/statistiques", ("link", "Se connecter"), "Statistiques nationales"),
        ("structure", "/pilotage/", ("button", "Se déconnecter"), "Statistiques par territoire"),
    ],
    ids=["public", "structure"],
)
def test_phone_menu_opens_as_a_dialog_and_closes(
    page, live_server, structure, role, path, tool, link
):
    errors = []
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    if role:
        log_in(page, live_server, structure, path)
    else:
        page.goto(live_server + path)
    page.get_by_role("heading", level=1).wait_for()
    if role is None:  # no table on the page: the DSFR's script waits for the first press
        page.wait_for_load_state("networkidle")
        assert page.evaluate("document.documentElement.dataset.frJs") is None
    menu_button = page.get_by_role("button", name="Menu")
    assert menu_button.is_visible()
    # The header's tools (log in or out) and the navigation are in the closed menu only.
    assert page.get_by_role(tool[0], name=tool[1]).first.is_hidden()
    assert page.get_by_role("link", name=link, exact=True).is_hidden()

    dialog = open_menu(page, keyboard=role is None)  # by the keyboard, or a click (a tap)
    assert dialog.get_attribute("aria-modal") == "true"
    assert page.evaluate(FOCUS) == {"inMenu": True, "text": "Fermer", "tag": "BUTTON"}
    assert dialog.get_by_role(tool[0], name=tool[1]).is_visible()  # copied by the script
    assert (
        dialog.get_by_role("navigation", name="Menu principal")
        .get_by_role("link", name=link, exact=True)
        .is_visible()
    )
    for _ in range(dialog.locator("a[href], button").count() + 1):
        page.keyboard.press("Tab")
        assert page.evaluate(FOCUS)["inMenu"], "the focus left the open menu"

    page.keyboard.press("Escape")
    dialog.wait_for(state="hidden")
    assert page.evaluate(FOCUS) == {"inMenu": False, "text": "Menu", "tag": "BUTTON"}

    open_menu(page).get_by_role("button", name="Fermer").click()
    dialog.wait_for(state="hidden")
    assert page.get_by_role(tool[0], name=tool[1]).first.is_hidden()

    open_menu(page).get_by_role("link", name=link, exact=True).click()
    page.wait_for_url(f"**{'/statistiques' if role is None else '/pilotage/territoires'}*")
    expect(page.get_by_role("dialog")).to_have_count(0)  # the new page, its menu closed
    page.get_by_role("heading", level=1).wait_for()
    assert errors == []


def test_tables_get_the_dsfr_frame(desktop, live_server, structure):
    """The table script draws the table's frame (an overlay the stylesheet shows once the
    script has measured the caption)."""
    log_in(desktop, live_server, structure)
    desktop.get_by_role("table").wait_for()
    desktop.wait_for_function(
        "() => document.querySelector('.fr-table').dataset.frJsTable === 'true'", timeout=10_000
    )
    frame = desktop.evaluate(
        "() => getComputedStyle(document.querySelector('.fr-table__wrapper'), '::after').position"
    )
    assert frame == "absolute"
    assert desktop.errors == []  # no script error, no CSP refusal
