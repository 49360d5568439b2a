"""An OMDb double answering in OMDb's documented JSON (``?i=`` by IMDb id, ``?t=&y=&type=``
by title; ``{"Response": "False", "Error": …}`` for what it does not know, HTTP 401 for a bad
key or a spent daily limit), and its poster images."""

from __future__ import annotations

import json
import re

from werkzeug import Request, Response

from tests.support.swarm import JPEG

OMDB_KEY = "a1b2c3d4"
MOVIE = {
    "Title": "Big Test Movie",
    "Year": "2021",
    "Rated": "PG-13",
    "Released": "15 Oct 2021",
    "Runtime": "139 min",
    "Genre": "Action, Drama, Sci-Fi",
    "Director": "Ann Example",
    "Writer": "Ann Example",
    "Actors": "Bob Pattern, Carol Bars",
    "Plot": "A movie made of test patterns, told at length by OMDb.",
    "Language": "English",
    "Country": "United States",
    "Awards": "N/A",
    "Poster": "",  # filled with the local server's URL
    "Ratings": [
        {"Source": "Internet Movie Database", "Value": "8.1/10"},
        {"Source": "Rotten Tomatoes", "Value": "83%"},
        {"Source": "Metacritic", "Value": "74/100"},
    ],
    "Metascore": "74",
    "imdbRating": "8.1",
    "imdbVotes": "123,456",
    "imdbID": "tt0000424",
    "Type": "movie",
    "DVD": "N/A",
    "BoxOffice": "N/A",
    "Production": "N/A",
    "Website": "N/A",
    "Response": "True",
}
SERIES = {
    "Title": "Test Show",
    "Year": "2019\u20132020",  # OMDb spells a run with an en dash
    "Rated": "TV-14",
    "Released": "05 Jan 2019",
    "Runtime": "45 min",
    "Genre": "Drama, Mystery",
    "Plot": "Episodes of test patterns.",
    "Language": "English",
    "Country": "United States",
    "Awards": "N/A",
    "Poster": "N/A",
    "Ratings": [{"Source": "Internet Movie Database", "Value": "7.7/10"}],
    "Metascore": "N/A",
    "imdbRating": "7.7",
    "imdbVotes": "9,001",
    "imdbID": "tt0007770",
    "Type": "series",
    "totalSeasons": "2",
    "Response": "True",
}


def omdb_install(server, *, records=(MOVIE, SERIES), key: str = OMDB_KEY) -> list[dict]:
    """Serve OMDb at ``/omdb/`` on ``server`` (a pytest-httpserver) for ``key``; returns the
    list of the query strings it was asked (to count calls)."""
    asked: list[dict] = []
    poster = server.url_for("/omdb-img/poster.jpg")
    pool = [{**r, "Poster": poster if r["Poster"] == "" else r["Poster"]} for r in records]

    def answer(body: dict, status: int = 200) -> Response:
        return Response(json.dumps(body), status, content_type="application/json; charset=utf-8")

    def handler(request: Request) -> Response:
        args = request.args
        asked.append(dict(args))
        if not args.get("apikey"):
            return answer({"Response": "False", "Error": "No API key provided."}, 401)
        if args["apikey"] != key:
            return answer({"Response": "False", "Error": "Invalid API key!"}, 401)
        if "i" in args:
            if not re.fullmatch(r"tt\d{7,10}", args["i"]):
                return answer({"Response": "False", "Error": "Incorrect IMDb ID."})
            found = [r for r in pool if r["imdbID"] == args["i"]]
            if not found:
                return answer({"Response": "False", "Error": "Error getting data."})
            return answer(found[0])
        if "t" in args:
            found = [
                r
                for r in pool
                if r["Title"].lower() == args["t"].lower()
                and (not args.get("y") or r["Year"].startswith(args["y"]))
                and (not args.get("type") or r["Type"] == args["type"])
            ]
            if not found:
                return answer({"Response": "False", "Error": "Movie not found!"})
            return answer(found[0])
        return answer({"Response": "False", "Error": "Incorrect IMDb ID."})

    server.expect_request("/omdb/").respond_with_handler(handler)
    server.expect_request(re.compile(r"^/omdb-img/.*")).respond_with_data(
        JPEG, content_type="image/jpeg"
    )
    return asked


def omdb_settings(settings, server) -> None:
    settings.OMDB_API_KEY = OMDB_KEY
    settings.OMDB_BASE_URL = server.url_for("/omdb/")
