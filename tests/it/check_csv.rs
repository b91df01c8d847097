//! `check --csv`: a header and one row per instance, agreeing with `check --json`.

use crate::cli::ssmdeck;

#[test]
fn check_csv_prints_a_header_and_one_row_per_instance() {
    let json = ssmdeck(&["--sandbox", "check", "--json"]);
    let out = ssmdeck(&["--sandbox", "check", "--csv"]);
    assert_eq!(
        out.status.code(),
        json.status.code(),
        "the exit code of check"
    );
    assert_eq!(out.status.code(), Some(1));
    let mut reader = csv::Reader::from_reader(out.stdout.as_slice());
    let headers = reader.headers().expect("headers").clone();
    for column in [
        "instance_id",
        "name",
        "state",
        "vpc_id",
        "subnet_id",
        "verdict",
    ] {
        assert!(headers.iter().any(|h| h == column), "{column}: {headers:?}");
    }
    let col = |name: &str| headers.iter().position(|h| h == name).expect(name);
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.expect("row")).collect();
    let doc: serde_json::Value = serde_json::from_slice(&json.stdout).expect("JSON");
    let instances = doc["instances"].as_array().expect("instances");
    assert_eq!(rows.len(), 2);
    assert_eq!(rows.len(), instances.len());
    for (row, inst) in rows.iter().zip(instances) {
        assert_eq!(row.len(), headers.len());
        assert_eq!(row[col("instance_id")], inst["instance_id"]);
        assert_eq!(row[col("verdict")], inst["verdict"]["state"]);
        assert_eq!(row[col("vpc_id")], inst["vpc_id"]);
        assert_eq!(row[col("region")], *"ap-northeast-2");
        assert_eq!(
            row[col("blockers")],
            *"endpoints_missing;no_instance_profile"
        );
    }
}

#[test]
fn check_csv_on_a_fleet_agrees_with_check_json_and_refuses_json_beside_it() {
    let json = ssmdeck(&["--sandbox=fleet:300", "check", "--json"]);
    let out = ssmdeck(&["--sandbox=fleet:300", "check", "--csv"]);
    assert_eq!(out.status.code(), json.status.code());
    let doc: serde_json::Value = serde_json::from_slice(&json.stdout).expect("JSON");
    let want: Vec<(String, String)> = doc["instances"]
        .as_array()
        .expect("instances")
        .iter()
        .map(|i| {
            let id = i["instance_id"].as_str().expect("id").to_string();
            let verdict = i["verdict"]["state"].as_str().expect("state").to_string();
            (id, verdict)
        })
        .collect();
    let mut reader = csv::Reader::from_reader(out.stdout.as_slice());
    let got: Vec<(String, String)> = reader
        .records()
        .map(|r| {
            let r = r.expect("row");
            (r[2].to_string(), r[16].to_string())
        })
        .collect();
    assert_eq!(got, want);
    assert!(got.iter().any(|(_, v)| v == "managed"));

    let both = ssmdeck(&["--sandbox", "check", "--csv", "--json"]);
    assert_eq!(both.status.code(), Some(2));
    assert!(both.stdout.is_empty());
    let err = String::from_utf8_lossy(&both.stderr);
    assert!(err.contains("cannot be used with"), "{err}");
}
