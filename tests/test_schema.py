import pytest
import yaml

from train.data.schema import SchemaError, load_schema, schema_from_dict


def test_schema_has_the_issue_labels(schema):
    assert schema.entity_names == ["FACTION", "LOCATION"]
    assert set(schema.relation_names) == {"CONTROLS", "PRESENT_IN", "TARGETS", "SUPPORTS", "PART_OF",
                                          "ALLIED_WITH", "HOSTILE_TO", "ALIAS_OF"}
    assert schema.symmetric_relations == {"ALLIED_WITH", "HOSTILE_TO", "ALIAS_OF"}
    assert schema.bio_labels == ["O", "B-FACTION", "I-FACTION", "B-LOCATION", "I-LOCATION"]
    assert schema.no_relation == "NONE"


def test_argument_types(schema):
    assert schema.allows("CONTROLS", "FACTION", "LOCATION")
    assert not schema.allows("CONTROLS", "LOCATION", "FACTION")
    assert schema.allows("PART_OF", "LOCATION", "LOCATION")
    assert not schema.allows("PART_OF", "FACTION", "LOCATION")
    assert schema.allows("ALIAS_OF", "LOCATION", "LOCATION")
    assert not schema.allows("ALIAS_OF", "FACTION", "LOCATION")
    assert schema.allowed_relations("LOCATION", "FACTION") == []


def test_schema_errors_are_collected(tmp_path):
    raw = {"entity_types": {"A": {}}, "relation_types": {
        "R": {"args": [["A", "B"]], "symmetric": "yes"}, "S": {"args": "A"}}}
    with pytest.raises(SchemaError) as err:
        schema_from_dict(raw, "x.yaml")
    message = str(err.value)
    assert "relation_types.R.args[0]: unknown entity type(s) ['B']" in message
    assert "relation_types.R.symmetric" in message
    assert "relation_types.S.args" in message


def test_round_trip_through_dict(schema, tmp_path):
    path = tmp_path / "schema.yaml"
    path.write_text(yaml.safe_dump(schema.to_dict(), sort_keys=True))  # sorted keys must not reorder labels
    assert load_schema(path) == schema
