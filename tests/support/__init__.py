"""Code the tests share: the GraphQL client, builders, GraphQL journeys, the SQL statement counter, apps with
overridden settings. Fixtures are not here: they live in the conftest.py files, which nothing imports."""
