from django.test import Client


def test_it_serves_plotlys_own_script_once_for_every_chart_page() -> None:
    import plotly.offline

    response = Client().get("/static/plotly/plotly.min.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body == plotly.offline.get_plotlyjs()  # the very file the reports inline
    again = Client().get(
        "/static/plotly/plotly.min.js", headers={"If-None-Match": response["ETag"]}
    )
    assert again.status_code == 304
