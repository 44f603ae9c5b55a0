def test_login_page_renders(client):
    response = client.get("/login")
    assert response.status_code == 200
    assert b"Sign in" in response.data


def test_physio_signs_in_and_sees_patients(client, auth, world):
    response = auth.login(world.physio)
    assert response.status_code == 303
    page = client.get("/clinic/patients")
    assert page.status_code == 200
    assert b"Paula Patient" in page.data
    assert b"Otto Otherpatient" not in page.data
