"""The acceptance journeys of the foundation issue, end to end."""


def test_visitor_sees_the_public_home_page_in_italian(testapp):
    page = testapp.get("/", status=200)
    assert "<html" in page.text and 'lang="it"' in page.text
    assert "Consiglio Territoriale per l'Immigrazione" in page.text
    assert "Ultimo aggiornamento" in page.text
    assert "Accedi all'area riservata" in page.text


def test_anonymous_request_for_the_reserved_area_is_sent_to_login(testapp):
    response = testapp.get("/area-riservata/", status=303)
    assert response.location.startswith("http://localhost/login?came_from=")
    assert "area-riservata" in response.location


def test_comune_logs_in_and_sees_the_reserved_area(testapp, login_as):
    response = login_as("comune")
    assert response.location == "http://localhost/"
    page = testapp.get("/area-riservata/", status=200)
    assert "Area riservata" in page.text
    assert "Tavolo tecnico" in page.text
    assert "Marco Rossi" in page.text
