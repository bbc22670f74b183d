import pytest

from revrec_pipeline.settings import (
    ConfigurationError,
    host_account_id,
    load_settings,
    parse_exclude_products,
    realm_for,
)


def test_defaults():
    settings = load_settings({})
    assert settings.timezone == "UTC"
    assert settings.max_concurrency == 4
    assert settings.use_customer_name_mapping is True
    assert settings.exclude_products is None
    assert settings.database_url.startswith("sqlite:///") and settings.database_url.endswith(
        ".revrec/revrec.db"
    )


@pytest.mark.parametrize(
    ("account", "realm", "host"),
    [
        ("1234567", "1234567", "1234567"),
        ("1234567_SB1", "1234567_SB1", "1234567-sb1"),
        ("1234567_sb1", "1234567_SB1", "1234567-sb1"),
        ("tstdrv123456", "TSTDRV123456", "tstdrv123456"),
    ],
)
def test_realm_upper_underscore_host_lower_hyphen(account, realm, host):
    assert realm_for(account) == realm
    assert host_account_id(account) == host
    from revrec_pipeline.netsuite.resource import NetSuiteResource

    resource = NetSuiteResource(
        account_id=load_settings({"NETSUITE_ACCOUNT_ID": account}).account_id
    )
    assert resource.resolved_base_url() == f"https://{host}.suitetalk.api.netsuite.com"


def test_exclude_products_both_fields():
    by_name = parse_exclude_products('{"product": {"name": "Name", "values": ["A", "B"]}}')
    assert by_name.field == "itemid" and by_name.values == {"A", "B"}
    assert by_name.excludes("A", None) and not by_name.excludes("C", "A")
    by_display = parse_exclude_products('{"product": {"name": "Display Name", "values": ["X"]}}')
    assert by_display.field == "displayname" and by_display.excludes("nope", "X")


@pytest.mark.parametrize(
    ("raw", "problem"),
    [
        ('{"product": ', "is not valid JSON"),
        ('["a"]', 'single key "product"'),
        ('{"products": {"name": "Name", "values": []}}', 'single key "product"'),
        ('{"product": {"name": "Name"}}', 'exactly the keys "name" and "values"'),
        ('{"product": {"name": "SKU", "values": []}}', "unsupported field 'SKU'"),
        ('{"product": {"name": "Name", "values": "A"}}', "not a list of strings"),
        ('{"product": {"name": "Name", "values": [1]}}', "not a list of strings"),
    ],
)
def test_exclude_products_rejects_every_deviation_with_the_expected_form(raw, problem):
    with pytest.raises(ConfigurationError) as caught:
        load_settings({"REVREC_EXCLUDE_PRODUCTS": raw})
    message = str(caught.value)
    assert message.startswith("REVREC_EXCLUDE_PRODUCTS ")
    assert problem in message
    assert '{"product": {"name": "Name", "values": ["Product Name1", "Product Name2"]}}' in message


@pytest.mark.parametrize(
    ("variable", "value", "expected"),
    [
        ("NETSUITE_TIMEZONE", "Mars/Olympus", "not a known IANA time zone"),
        ("NETSUITE_MAX_CONCURRENCY", "0", "expected a whole number of at least 1"),
        ("NETSUITE_MAX_CONCURRENCY", "four", "expected a whole number of at least 1"),
        ("REVREC_USE_CUSTOMER_NAME_MAPPING", "maybe", "expected true or false"),
        ("NETSUITE_ACCOUNT_ID", "12 34", "expected the account id as NetSuite shows it"),
    ],
)
def test_bad_values_name_the_variable(variable, value, expected):
    with pytest.raises(ConfigurationError) as caught:
        load_settings({variable: value})
    assert str(caught.value).startswith(variable)
    assert expected in str(caught.value)


def test_code_location_refuses_to_load_with_bad_exclude_json(monkeypatch):
    from revrec_pipeline.definitions import build_definitions

    monkeypatch.setenv("REVREC_EXCLUDE_PRODUCTS", "{not json")
    with pytest.raises(ConfigurationError, match="REVREC_EXCLUDE_PRODUCTS is not valid JSON"):
        build_definitions()
