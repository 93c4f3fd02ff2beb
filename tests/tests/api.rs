//! The admin API over HTTP, end to end: the real router on 127.0.0.1 in
//! front of a stack of its own on the emulator, with the host reading the
//! uploaded files and processing the rows. Each test has its own company.

use base64::Engine;
use calamine::{Reader, Xlsx};
use dic_core::Entity;
use dic_e2e::{sample, suggested, TestApi, TestStack};
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::time::{Duration, Instant};

/// Dana is row 2 of `employees.csv`, a valid row.
const DANA: &str = "dana.whitfield@example.com";

/// The `error.code` of an error answer, which also says what is wrong.
fn code(body: &Value) -> &str {
    let code = body["error"]["code"].as_str().unwrap_or("");
    if !code.is_empty() {
        let message = body["error"]["message"].as_str().unwrap_or("");
        assert!(
            !message.trim().is_empty(),
            "an error without a message: {body}"
        );
    }
    code
}

/// A stack with its host running, and the API in front of it.
async fn serve() -> (TestStack, TestApi) {
    let mut stack = TestStack::new().await;
    stack.start_host();
    let api = stack.api().await;
    (stack, api)
}

/// Another company's admin on the same server.
fn other_company(api: &TestApi) -> TestApi {
    let company = format!(
        "company-b-{}",
        &uuid::Uuid::new_v4().simple().to_string()[..8]
    );
    api.as_caller(&company, "Admin")
}

/// `employees.csv` uploaded and read: the import id and its analysis.
async fn uploaded_employees(api: &TestApi) -> (String, Value) {
    let (id, _) = api
        .create_and_upload("employees", "employees.csv", sample("employees.csv"))
        .await;
    let import = api.wait_uploaded(&id).await;
    assert_eq!(import["status"], "uploaded", "{import}");
    let (status, analysis) = api.get(&format!("/imports/{id}/analysis")).await;
    assert_eq!(status, StatusCode::OK, "{analysis}");
    assert_eq!(analysis["missing_mandatory"], json!([]), "{analysis}");
    (id, analysis)
}

/// `employees.csv` imported with the suggested mapping, to its end.
async fn imported_employees(api: &TestApi) -> String {
    let (id, analysis) = uploaded_employees(api).await;
    let (status, started) = api
        .post(
            &format!("/imports/{id}/start"),
            json!({"mapping": analysis["suggested_mapping"]}),
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{started}");
    let done = api.wait_final(&id).await;
    assert_eq!(done["status"], "finished_with_errors", "{done}");
    assert_eq!(done["counts"]["created"], 35, "{done}");
    assert_eq!(done["counts"]["failed"], 5, "{done}");
    id
}

/// The failed-rows workbook of an import, downloaded through its link:
/// every row of its one sheet as text.
async fn failed_rows_workbook(api: &TestApi, id: &str) -> (Value, Vec<Vec<String>>) {
    let (status, export) = api
        .post(&format!("/imports/{id}/failed-rows"), json!({}))
        .await;
    assert_eq!(status, StatusCode::OK, "{export}");
    let url = export["url"].as_str().expect("a download url");
    let response = reqwest::get(url).await.expect("downloading the export");
    assert_eq!(response.status(), StatusCode::OK, "GET {url}");
    let bytes = response.bytes().await.expect("the export's bytes");
    let mut workbook =
        Xlsx::new(std::io::Cursor::new(bytes.to_vec())).expect("the export is an XLSX workbook");
    let sheet = workbook.sheet_names()[0].clone();
    let range = workbook.worksheet_range(&sheet).expect("the sheet reads");
    let rows = range
        .rows()
        .map(|row| row.iter().map(|cell| cell.to_string()).collect())
        .collect();
    (export, rows)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_documented_route_answers_and_unknown_ones_say_so() {
    let stack = TestStack::new().await;
    let api = stack.api().await;
    // The document itself needs no token.
    let (status, doc) = api.with_authorization(None).get("/openapi.json").await;
    assert_eq!(status, StatusCode::OK, "{doc}");
    let paths = doc["paths"].as_object().expect("paths");
    let mut operations = 0;
    for (path, item) in paths {
        let concrete = path
            .replace("{entity}", "employees")
            .replace("{key}", DANA)
            .replace("{id}", "no-such-id");
        for method in item.as_object().expect("a path item").keys() {
            let method = match method.as_str() {
                "get" => reqwest::Method::GET,
                "post" => reqwest::Method::POST,
                "put" => reqwest::Method::PUT,
                "delete" => reqwest::Method::DELETE,
                _ => continue,
            };
            let body =
                matches!(method, reqwest::Method::POST | reqwest::Method::PUT).then(|| json!({}));
            let (status, answer) = api.send(method.clone(), &concrete, body.as_ref()).await;
            assert_ne!(
                code(&answer),
                "no_such_route",
                "{method} {concrete}: {answer}"
            );
            assert!(
                !status.is_server_error(),
                "{method} {concrete}: {status} {answer}"
            );
            operations += 1;
        }
    }
    assert_eq!(
        operations,
        dic_api::routes().len(),
        "every route is documented"
    );
    // The check above can fail: what is not routed says so.
    for (method, path) in [
        (reqwest::Method::GET, "/nothing-here"),
        (reqwest::Method::PATCH, "/imports"),
        (reqwest::Method::DELETE, "/imports/no-such-id"),
    ] {
        let (status, answer) = api.send(method.clone(), path, None).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{method} {path}");
        assert_eq!(code(&answer), "no_such_route", "{method} {path}: {answer}");
    }
}

/// The admins' workspace rides on the same router: the page and how to
/// sign in need no token, and the API's paths stay the API's.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_workspace_page_is_served_beside_the_api() {
    let stack = TestStack::new().await;
    let anonymous = stack.api().await.with_authorization(None);
    let (status, page) = anonymous.get("/").await;
    assert_eq!(status, StatusCode::OK);
    let html = page.as_str().expect("an HTML page");
    assert!(html.contains("Data Import Center"), "{html}");
    let (status, config) = anonymous.get("/config.json").await;
    assert_eq!(status, StatusCode::OK, "{config}");
    assert_eq!(
        config["dev_sign_in"], false,
        "only `dic dev` signs in locally"
    );
    // A page path of the API answers JSON, never the page.
    let (status, answer) = anonymous.get("/imports").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(code(&answer), "unauthorized", "{answer}");
    let (status, answer) = anonymous
        .send(reqwest::Method::POST, "/dev/sign-in", Some(&json!({})))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{answer}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_credentials_are_401_and_other_roles_403() {
    let stack = TestStack::new().await;
    let api = stack.api().await;
    let forged = dic_api::auth::local_token("another-secret", &stack.company, "Admin", "x", 1)
        .expect("signing");
    let forged = format!("Bearer {forged}");
    let unprefixed = dic_e2e::token(&stack.company, "Admin");
    let no_company = format!("Bearer {}", dic_e2e::token("", "Admin"));
    for (what, header) in [
        ("no token", None),
        ("another secret", Some(forged.as_str())),
        ("not bearer", Some("Basic YWRtaW46YWRtaW4=")),
        ("no scheme", Some(unprefixed.as_str())),
        ("not a JWT", Some("Bearer not-a-token")),
        ("empty bearer", Some("Bearer ")),
        ("no company", Some(no_company.as_str())),
    ] {
        for path in ["/imports", "/templates", "/records/employees/a@example.com"] {
            let (status, body) = api.with_authorization(header).get(path).await;
            assert_eq!(status, StatusCode::UNAUTHORIZED, "{what} on {path}: {body}");
            assert_eq!(code(&body), "unauthorized", "{what}: {body}");
        }
    }
    let (status, body) = api
        .with_authorization(None)
        .post(
            "/imports",
            json!({"entity": "employees", "file_name": "a.csv"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");

    let learner = api.as_caller(&stack.company, "Learner");
    for path in ["/imports", "/templates", "/feeds"] {
        let (status, body) = learner.get(path).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{path}: {body}");
        assert_eq!(code(&body), "forbidden", "{body}");
    }
    let (status, body) = learner
        .post(
            "/imports",
            json!({"entity": "employees", "file_name": "a.csv"}),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    let (_, imports) = api.get("/imports").await;
    assert_eq!(imports["imports"], json!([]), "the learner created nothing");

    for role in ["Admin", "SuperAdmin"] {
        let (status, body) = api.as_caller(&stack.company, role).get("/imports").await;
        assert_eq!(status, StatusCode::OK, "{role}: {body}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_company_cannot_see_or_touch_a_companys_imports_templates_feeds_or_records() {
    let (_stack, a) = serve().await;
    let b = other_company(&a);
    let id = imported_employees(&a).await;
    let bytes = sample("employees.csv");
    let mapping = suggested(Entity::Employees, &bytes);
    let (status, template) = a
        .post(
            "/templates",
            json!({"name": "A's layout", "entity": "employees", "mapping": mapping}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{template}");
    let template_id = template["template_id"].as_str().unwrap().to_string();
    let (status, feed) = a
        .post(
            "/feeds",
            json!({"entity": "employees", "template_id": template_id}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{feed}");
    let feed_id = feed["feed_id"].as_str().unwrap().to_string();

    let choice = json!({"mapping": mapping});
    let requests = [
        (reqwest::Method::GET, format!("/imports/{id}"), None),
        (
            reqwest::Method::GET,
            format!("/imports/{id}/analysis"),
            None,
        ),
        (reqwest::Method::GET, format!("/imports/{id}/rows"), None),
        (
            reqwest::Method::GET,
            format!("/imports/{id}/rows?outcome=failed"),
            None,
        ),
        (
            reqwest::Method::POST,
            format!("/imports/{id}/preview"),
            Some(choice.clone()),
        ),
        (
            reqwest::Method::POST,
            format!("/imports/{id}/start"),
            Some(choice.clone()),
        ),
        (
            reqwest::Method::POST,
            format!("/imports/{id}/failed-rows"),
            Some(json!({})),
        ),
        (
            reqwest::Method::GET,
            format!("/templates/{template_id}"),
            None,
        ),
        (
            reqwest::Method::PUT,
            format!("/templates/{template_id}"),
            Some(json!({"name": "B's now", "entity": "employees", "mapping": mapping})),
        ),
        (
            reqwest::Method::DELETE,
            format!("/templates/{template_id}"),
            None,
        ),
        (reqwest::Method::DELETE, format!("/feeds/{feed_id}"), None),
        (
            reqwest::Method::GET,
            format!("/records/employees/{DANA}"),
            None,
        ),
        // B cannot start from A's template or correct A's import either.
        (
            reqwest::Method::POST,
            "/imports".to_string(),
            Some(json!({"entity": "employees", "file_name": "x.csv", "template_id": template_id})),
        ),
        (
            reqwest::Method::POST,
            "/imports".to_string(),
            Some(json!({"entity": "employees", "file_name": "x.csv", "corrects": id})),
        ),
        (
            reqwest::Method::POST,
            "/feeds".to_string(),
            Some(json!({"entity": "employees", "template_id": template_id})),
        ),
    ];
    for (method, path, body) in &requests {
        let (status, answer) = b.send(method.clone(), path, body.as_ref()).await;
        assert_eq!(
            status,
            StatusCode::NOT_FOUND,
            "B: {method} {path}: {answer}"
        );
        assert_eq!(code(&answer), "not_found", "B: {method} {path}: {answer}");
    }

    // A still has everything, untouched.
    let (status, import) = a.get(&format!("/imports/{id}")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(import["status"], "finished_with_errors");
    let (status, kept) = a.get(&format!("/templates/{template_id}")).await;
    assert_eq!(status, StatusCode::OK, "{kept}");
    assert_eq!(kept["name"], "A's layout");
    let (_, feeds) = a.get("/feeds").await;
    assert_eq!(feeds["feeds"][0]["feed_id"], feed_id.as_str(), "{feeds}");
    let (status, record) = a.get(&format!("/records/employees/{DANA}")).await;
    assert_eq!(status, StatusCode::OK, "{record}");
    assert_eq!(record["values"]["last_name"], "Whitfield");

    // B's lists hold none of A's items.
    for path in ["/imports", "/templates", "/feeds"] {
        let (status, list) = b.get(path).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        let text = list.to_string();
        assert!(!text.contains(&id), "{path} of B lists A's import: {text}");
        assert!(!text.contains(&template_id), "{path}: {text}");
        assert!(!text.contains(&feed_id), "{path}: {text}");
    }
    let (_, imports) = b.get("/imports").await;
    assert_eq!(imports["imports"], json!([]));
    let (_, templates) = b.get("/templates").await;
    assert_eq!(templates["templates"], json!([]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_upload_form_fixes_the_key_bucket_size_and_expiry() {
    let stack = TestStack::new().await;
    let api = stack.api().await;
    let (status, created) = api
        .post(
            "/imports",
            json!({"entity": "employees", "file_name": "staff.csv"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let id = created["import_id"].as_str().unwrap();
    let fields = &created["upload"]["fields"];
    let policy = base64::engine::general_purpose::STANDARD
        .decode(fields["policy"].as_str().expect("a policy field"))
        .expect("the policy is base64");
    let policy: Value = serde_json::from_slice(&policy).expect("the policy is JSON");
    let conditions = policy["conditions"].as_array().expect("conditions");
    let key = format!("uploads/{}/{id}/staff.csv", stack.company);
    let bucket = &stack.deps.resources.data_bucket;
    assert!(
        conditions.contains(&json!(["content-length-range", 1, 10_485_760])),
        "{policy}"
    );
    assert!(conditions.contains(&json!({ "key": key })), "{policy}");
    assert!(
        conditions.contains(&json!({ "bucket": bucket })),
        "{policy}"
    );
    assert!(!policy.to_string().contains("starts-with"), "{policy}");
    assert_eq!(fields["key"], key.as_str(), "the form posts the signed key");
    assert_eq!(created["max_bytes"], 10_485_760);
    assert_eq!(created["expires_in_seconds"], 900);
    let url = created["upload"]["url"].as_str().unwrap();
    assert!(url.ends_with(&format!("/{bucket}")), "{url}");
    let expiration =
        chrono::DateTime::parse_from_rfc3339(policy["expiration"].as_str().expect("an expiration"))
            .expect("an RFC 3339 expiration");
    let ahead = expiration.with_timezone(&chrono::Utc) - chrono::Utc::now();
    assert!(
        ahead > chrono::Duration::minutes(14) && ahead <= chrono::Duration::minutes(15),
        "the form expires in {ahead}"
    );

    // The caller cannot choose the key or the company.
    for extra in [
        json!({"key": "uploads/company-x/imp-1/staff.csv"}),
        json!({"company_id": "company-x"}),
        json!({"object_key": "feeds/company-x/f/staff.csv"}),
    ] {
        let mut body = json!({"entity": "employees", "file_name": "staff.csv"});
        body.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        let (status, answer) = api.post("/imports", body.clone()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}: {answer}");
        assert_eq!(code(&answer), "invalid_request", "{answer}");
    }
    // A path in the file name stays inside the caller's folder.
    let (status, created) = api
        .post(
            "/imports",
            json!({"entity": "employees", "file_name": "../../company-x/evil.csv"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let id = created["import_id"].as_str().unwrap();
    assert_eq!(
        created["upload"]["fields"]["key"],
        format!("uploads/{}/{id}/evil.csv", stack.company).as_str()
    );
    let (_, imports) = api.get("/imports").await;
    assert_eq!(imports["imports"].as_array().unwrap().len(), 2, "{imports}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_over_10_mb_that_reaches_the_bucket_fails_with_a_reason() {
    let (stack, api) = serve().await;
    let size = 10 * 1024 * 1024 + 1;
    let mut bytes = b"Email,First Name,Last Name,Status\n".to_vec();
    let mut n = 0;
    while bytes.len() < size {
        bytes.extend_from_slice(format!("p{n}@example.com,Pat,Lee,Active\n").as_bytes());
        n += 1;
    }
    bytes.truncate(size - 1);
    bytes.push(b'\n');
    assert_eq!(bytes.len(), size);
    let (id, created) = api.create_and_upload("employees", "big.csv", bytes).await;
    // The emulator does not enforce the policy's size cap: the file is there.
    let key = created["upload"]["fields"]["key"].as_str().unwrap();
    let head = stack
        .deps
        .clients
        .s3
        .head_object()
        .bucket(&stack.deps.resources.data_bucket)
        .key(key)
        .send()
        .await
        .expect("the oversized file reached the bucket");
    assert_eq!(head.content_length(), Some(size as i64));

    let import = api.wait_final(&id).await;
    assert_eq!(import["status"], "failed", "{import}");
    assert_eq!(import["reason_code"], "file_too_large", "{import}");
    let reason = import["reason"].as_str().unwrap_or("");
    assert!(reason.contains("10 MB"), "{reason}");
    assert_eq!(import["counts"]["created"], 0);
    let (status, answer) = api.get(&format!("/imports/{id}/analysis")).await;
    assert_eq!(status, StatusCode::CONFLICT, "{answer}");
    assert_eq!(code(&answer), "import_failed", "{answer}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn templates_are_checked_named_once_per_entity_renamed_and_deleted() {
    let stack = TestStack::new().await;
    let api = stack.api().await;
    let mapping =
        json!({"c1": "email", "c2": "first_name", "c3": "last_name", "c4": "employee_status"});
    let (status, answer) = api
        .post(
            "/templates",
            json!({"name": "No email", "entity": "employees",
                   "mapping": {"c2": "first_name", "c3": "last_name", "c4": "employee_status"}}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{answer}");
    assert_eq!(code(&answer), "mandatory_fields_unmapped", "{answer}");

    let (status, created) = api
        .post(
            "/templates",
            json!({"name": "Payroll", "entity": "employees", "mapping": mapping}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let id = created["template_id"].as_str().unwrap().to_string();
    let (status, shown) = api.get(&format!("/templates/{id}")).await;
    assert_eq!(status, StatusCode::OK, "{shown}");
    assert_eq!(shown["name"], "Payroll");
    assert_eq!(shown["mapping"], mapping);
    let (_, list) = api.get("/templates").await;
    let names: Vec<&Value> = list["templates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| &t["name"])
        .collect();
    assert_eq!(names, [&json!("Payroll")], "{list}");

    let (status, renamed) = api
        .put(
            &format!("/templates/{id}"),
            json!({"name": "Payroll 2024", "entity": "employees", "mapping": mapping}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{renamed}");
    assert_eq!(renamed["template_id"], id.as_str());
    let (_, shown) = api.get(&format!("/templates/{id}")).await;
    assert_eq!(shown["name"], "Payroll 2024");
    assert_eq!(shown["created_at"], created["created_at"], "{shown}");
    assert_eq!(shown["updated_at"], renamed["updated_at"], "{shown}");
    // A template may keep its own name, in another case. Each save moves
    // `updated_at` on, however quickly saves follow each other.
    let mut last = renamed;
    for name in ["PAYROLL 2024", "Payroll 2024"] {
        let (status, answer) = api
            .put(
                &format!("/templates/{id}"),
                json!({"name": name, "entity": "employees", "mapping": mapping}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{answer}");
        let at = |saved: &Value| saved["updated_at"].as_str().unwrap().to_string();
        assert!(at(&answer) > at(&last), "{answer} after {last}");
        last = answer;
    }
    let (status, answer) = api
        .put(
            "/templates/no-such-template",
            json!({"name": "Ghost", "entity": "employees", "mapping": mapping}),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{answer}");
    let (status, answer) = api
        .post(
            "/templates",
            json!({"name": "  ", "entity": "employees", "mapping": mapping}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{answer}");
    assert_eq!(code(&answer), "invalid_template", "{answer}");

    // The name is taken for employees, whatever its case…
    let (status, answer) = api
        .post(
            "/templates",
            json!({"name": "PAYROLL 2024", "entity": "employees", "mapping": mapping}),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{answer}");
    assert_eq!(code(&answer), "template_name_taken", "{answer}");
    // …the old name is free again…
    let (status, answer) = api
        .post(
            "/templates",
            json!({"name": "Payroll", "entity": "employees", "mapping": mapping}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{answer}");
    let second = answer["template_id"].as_str().unwrap().to_string();
    // …and renaming another template onto it is refused too.
    let (status, answer) = api
        .put(
            &format!("/templates/{second}"),
            json!({"name": "payroll 2024", "entity": "employees", "mapping": mapping}),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{answer}");
    assert_eq!(code(&answer), "template_name_taken", "{answer}");

    // The same name for locations is fine: map its mandatory fields, as
    // the catalog lists them.
    let (status, catalog) = api.get("/catalog/locations").await;
    assert_eq!(status, StatusCode::OK, "{catalog}");
    let locations: serde_json::Map<String, Value> = catalog["categories"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|c| c["fields"].as_array().unwrap())
        .filter(|f| f["mandatory"] == true)
        .map(|f| {
            let id = f["id"].as_str().unwrap();
            (format!("col {id}"), json!(id))
        })
        .collect();
    assert!(!locations.is_empty(), "{catalog}");
    let (status, answer) = api
        .post(
            "/templates",
            json!({"name": "Payroll 2024", "entity": "locations", "mapping": locations}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{answer}");
    let (_, list) = api.get("/templates?entity=locations").await;
    assert_eq!(list["templates"].as_array().unwrap().len(), 1, "{list}");

    let (status, body) = api.delete(&format!("/templates/{id}")).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    let (status, body) = api.get(&format!("/templates/{id}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    assert_eq!(code(&body), "not_found");
    let (status, _) = api.delete(&format!("/templates/{id}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, list) = api.get("/templates?entity=employees").await;
    let ids: Vec<&Value> = list["templates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| &t["template_id"])
        .collect();
    assert_eq!(ids, [&json!(second)], "{list}");
    // A deleted template's name is free again.
    let (status, answer) = api
        .post(
            "/templates",
            json!({"name": "payroll 2024", "entity": "employees", "mapping": mapping}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{answer}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_preview_counts_what_the_import_would_do_and_writes_nothing() {
    let (_stack, api) = serve().await;
    let (id, analysis) = uploaded_employees(&api).await;
    let choice = json!({"mapping": analysis["suggested_mapping"]});
    let (status, preview) = api
        .post(&format!("/imports/{id}/preview"), choice.clone())
        .await;
    assert_eq!(status, StatusCode::OK, "{preview}");
    let summary = &preview["summary"];
    assert_eq!(summary["rows"], 40, "{summary}");
    assert_eq!(summary["valid"], 35, "{summary}");
    assert_eq!(summary["invalid"], 5, "{summary}");
    assert_eq!(summary["would_create"], 35, "{summary}");
    assert_eq!(summary["would_update"], 0, "{summary}");
    assert_eq!(summary["would_leave_unchanged"], 0, "{summary}");
    let rows = preview["rows"].as_array().unwrap();
    assert!(!rows.is_empty() && rows.len() <= 40, "{preview}");
    assert_eq!(rows[0]["row"], 2);
    assert_eq!(rows[0]["values"]["email"], DANA);

    // Nothing was written, and the import still waits.
    let (status, _) = api.get(&format!("/records/employees/{DANA}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "a preview wrote a record");
    let (_, import) = api.get(&format!("/imports/{id}")).await;
    assert_eq!(import["status"], "uploaded", "{import}");
    assert_eq!(import["counts"]["created"], 0, "{import}");
    let (_, logged) = api.get(&format!("/imports/{id}/rows")).await;
    assert_eq!(logged["rows"], json!([]), "{logged}");

    let (status, started) = api.post(&format!("/imports/{id}/start"), choice).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{started}");
    let done = api.wait_final(&id).await;
    assert_eq!(done["counts"]["created"], 35, "{done}");
    let (status, _) = api.get(&format!("/records/employees/{DANA}")).await;
    assert_eq!(status, StatusCode::OK);

    // The same file again would create nothing.
    let (again, analysis) = uploaded_employees(&api).await;
    let (status, preview) = api
        .post(
            &format!("/imports/{again}/preview"),
            json!({"mapping": analysis["suggested_mapping"]}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{preview}");
    let summary = &preview["summary"];
    assert_eq!(summary["would_create"], 0, "{summary}");
    assert_eq!(summary["would_leave_unchanged"], 35, "{summary}");
    assert_eq!(summary["would_update"], 0, "{summary}");
    assert_eq!(summary["invalid"], 5, "{summary}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn start_waits_for_the_file_needs_the_email_and_runs_once() {
    let (_stack, api) = serve().await;
    let bytes = sample("employees.csv");
    let mapping = suggested(Entity::Employees, &bytes);
    let (status, created) = api
        .post(
            "/imports",
            json!({"entity": "employees", "file_name": "employees.csv"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let id = created["import_id"].as_str().unwrap().to_string();
    let (status, answer) = api
        .post(&format!("/imports/{id}/start"), json!({"mapping": mapping}))
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{answer}");
    assert_eq!(code(&answer), "not_uploaded", "{answer}");

    let uploaded = api.upload(&created, bytes).await;
    assert!(uploaded.is_success(), "{uploaded}");
    let import = api.wait_uploaded(&id).await;
    assert_eq!(import["status"], "uploaded", "{import}");

    let mut without_email = serde_json::to_value(&mapping).unwrap();
    let email_header = without_email
        .as_object()
        .unwrap()
        .iter()
        .find(|(_, field)| *field == "email")
        .map(|(header, _)| header.clone())
        .expect("the suggestions map the email");
    without_email.as_object_mut().unwrap().remove(&email_header);
    let (status, answer) = api
        .post(
            &format!("/imports/{id}/start"),
            json!({"mapping": without_email}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{answer}");
    assert_eq!(code(&answer), "mandatory_fields_unmapped", "{answer}");
    let (_, import) = api.get(&format!("/imports/{id}")).await;
    assert_eq!(
        import["status"], "uploaded",
        "a refused start left it waiting"
    );

    let (status, started) = api
        .post(&format!("/imports/{id}/start"), json!({"mapping": mapping}))
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{started}");
    assert_eq!(started["import_id"], id.as_str());
    assert_eq!(started["started_by"], "e2e-test", "{started}");
    let (status, answer) = api
        .post(&format!("/imports/{id}/start"), json!({"mapping": mapping}))
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{answer}");
    assert_eq!(code(&answer), "already_started", "{answer}");
    let done = api.wait_final(&id).await;
    assert_eq!(done["counts"]["total"], 40, "{done}");
    assert_eq!(done["counts"]["created"], 35, "{done}");
    let (status, answer) = api
        .post(&format!("/imports/{id}/start"), json!({"mapping": mapping}))
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{answer}");
    assert_eq!(code(&answer), "already_started", "{answer}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn row_logs_name_the_failed_rows_and_page_through_every_row_once() {
    let (_stack, api) = serve().await;
    let id = imported_employees(&api).await;
    let (status, failed) = api.get(&format!("/imports/{id}/rows?outcome=failed")).await;
    assert_eq!(status, StatusCode::OK, "{failed}");
    let failed: Vec<(u64, String)> = failed["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|row| {
            assert_eq!(row["outcome"], "failed", "{row}");
            (
                row["row"].as_u64().expect("a row number"),
                row["errors"][0]["code"]
                    .as_str()
                    .expect("an error code")
                    .to_string(),
            )
        })
        .collect();
    // Spreadsheet rows: the header is row 1, Dana row 2.
    let expected: Vec<(u64, String)> = [
        (17, "invalid_date"),  // Derek Hall, 02/30/2022
        (20, "invalid_email"), // maria.lopez@example
        (23, "missing_value"), // Victor Reyes, no first name
        (26, "duplicate_key"), // Priya again, other case
        (30, "missing_cells"), // Isabel Cruz, a short row
    ]
    .iter()
    .map(|(row, code)| (*row, code.to_string()))
    .collect();
    assert_eq!(failed, expected);

    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let path = match &cursor {
            Some(cursor) => format!("/imports/{id}/rows?limit=7&cursor={cursor}"),
            None => format!("/imports/{id}/rows?limit=7"),
        };
        let (status, page) = api.get(&path).await;
        assert_eq!(status, StatusCode::OK, "{path}: {page}");
        let rows = page["rows"].as_array().unwrap();
        assert!(rows.len() <= 7, "{page}");
        seen.extend(rows.iter().map(|r| r["row"].as_u64().unwrap()));
        pages += 1;
        assert!(pages <= 10, "paging does not end: {seen:?}");
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_string()),
            None => break,
        }
    }
    assert_eq!(
        seen,
        (2..=41).collect::<Vec<u64>>(),
        "every row once, in order"
    );
    let (_, created) = api
        .get(&format!("/imports/{id}/rows?outcome=created&limit=1000"))
        .await;
    assert_eq!(created["rows"].as_array().unwrap().len(), 35);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_failed_rows_export_is_a_workbook_of_the_failed_rows() {
    let (_stack, api) = serve().await;
    let id = imported_employees(&api).await;
    let (export, sheet) = failed_rows_workbook(&api, &id).await;
    assert_eq!(export["failed_rows"], 5, "{export}");
    let header = &sheet[0];
    assert_eq!(
        header.first().map(String::as_str),
        Some("Row"),
        "{header:?}"
    );
    assert_eq!(
        header.last().map(String::as_str),
        Some("Errors"),
        "{header:?}"
    );
    let file_headers: Vec<String> = String::from_utf8(sample("employees.csv"))
        .unwrap()
        .lines()
        .next()
        .unwrap()
        .split(',')
        .map(str::to_string)
        .collect();
    assert_eq!(&header[1..header.len() - 1], file_headers.as_slice());
    let data: Vec<&Vec<String>> = sheet[1..]
        .iter()
        .filter(|row| row.iter().any(|c| !c.is_empty()))
        .collect();
    assert_eq!(data.len(), 5, "{sheet:?}");
    let numbers: Vec<&str> = data.iter().map(|row| row[0].as_str()).collect();
    assert_eq!(numbers, ["17", "20", "23", "26", "30"]);
    for row in &data {
        assert!(!row.last().unwrap().is_empty(), "no errors named: {row:?}");
    }
    assert_eq!(
        data[1][1], "maria.lopez@example",
        "the cells come back as typed"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_corrected_failed_rows_workbook_imports_its_fixed_rows() {
    let (_stack, api) = serve().await;
    let first = imported_employees(&api).await;
    let (_, sheet) = failed_rows_workbook(&api, &first).await;
    let header = sheet[0].clone();
    let col = |name: &str| {
        header
            .iter()
            .position(|h| h == name)
            .unwrap_or_else(|| panic!("no {name} column in {header:?}"))
    };
    let (email, first_name, hire) = (col("Email Address"), col("First Name"), col("Hire Date"));
    // Fix each bad row as an admin would, in the downloaded workbook.
    let mut fixed = Vec::new();
    for row in sheet[1..]
        .iter()
        .filter(|r| r.iter().any(|c| !c.is_empty()))
    {
        let mut row = row.clone();
        row.resize(header.len(), String::new());
        match row[0].as_str() {
            "17" => row[hire] = "02/28/2022".into(),
            "20" => row[email] = "maria.lopez@example.com".into(),
            "23" => row[first_name] = "Victor".into(),
            // The duplicate was another person after all.
            "26" => row[email] = "priya.raman.2@example.com".into(),
            // The short row's missing cells, filled in.
            "30" => {
                for (name, value) in [
                    ("Zip", "98104"),
                    ("Country", "US"),
                    ("Role", "Employee"),
                    ("Language", "English"),
                ] {
                    row[col(name)] = value.into();
                }
            }
            other => panic!("unexpected failed row {other}: {row:?}"),
        }
        fixed.push(row);
    }
    assert_eq!(fixed.len(), 5);
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let out = workbook.add_worksheet();
    for (r, row) in std::iter::once(&header).chain(&fixed).enumerate() {
        for (c, cell) in row.iter().enumerate() {
            out.write_string(r as u32, c as u16, cell).unwrap();
        }
    }
    let bytes = workbook
        .save_to_buffer()
        .expect("writing the corrected workbook");

    let (status, created) = api
        .post(
            "/imports",
            json!({"entity": "employees", "file_name": "failed-rows fixed.xlsx", "corrects": first}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let id = created["import_id"].as_str().unwrap().to_string();
    assert!(api.upload(&created, bytes).await.is_success());
    let import = api.wait_uploaded(&id).await;
    assert_eq!(import["status"], "uploaded", "{import}");
    assert_eq!(import["format"], "xlsx", "{import}");
    let (_, analysis) = api.get(&format!("/imports/{id}/analysis")).await;
    assert_eq!(
        analysis["headers"].as_array().unwrap().len(),
        header.len() - 2,
        "Row and Errors are not data: {analysis}"
    );
    let (status, started) = api
        .post(
            &format!("/imports/{id}/start"),
            json!({"mapping": analysis["suggested_mapping"]}),
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{started}");
    let done = api.wait_final(&id).await;
    assert_eq!(done["status"], "finished", "{done}");
    assert_eq!(done["corrects"], first.as_str(), "{done}");
    assert_eq!(done["counts"]["total"], 5, "{done}");
    assert_eq!(done["counts"]["created"], 5, "{done}");
    assert_eq!(done["counts"]["failed"], 0, "{done}");
    for email in [
        "maria.lopez@example.com",
        "priya.raman.2@example.com",
        "derek.hall@example.com",
        "victor.reyes@example.com",
        "isabel.cruz@example.com",
    ] {
        let (status, record) = api.get(&format!("/records/employees/{email}")).await;
        assert_eq!(status, StatusCode::OK, "{email}: {record}");
    }
    let (_, derek) = api.get("/records/employees/derek.hall@example.com").await;
    assert_eq!(derek["values"]["hire_date"], "2022-02-28", "{derek}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_dropped_under_a_feeds_prefix_imports_on_its_own() {
    let (stack, api) = serve().await;
    let bytes = sample("employees.csv");
    let mapping = suggested(Entity::Employees, &bytes);
    let (status, template) = api
        .post(
            "/templates",
            json!({"name": "Nightly HR", "entity": "employees", "mapping": mapping}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{template}");
    let template_id = template["template_id"].as_str().unwrap().to_string();
    let (status, answer) = api
        .post(
            "/feeds",
            json!({"entity": "locations", "template_id": template_id}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{answer}");
    assert_eq!(code(&answer), "template_entity_mismatch", "{answer}");
    let (status, feed) = api
        .post(
            "/feeds",
            json!({"entity": "employees", "template_id": template_id}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{feed}");
    let feed_id = feed["feed_id"].as_str().unwrap().to_string();
    let prefix = feed["prefix"].as_str().unwrap().to_string();
    assert_eq!(prefix, format!("feeds/{}/{feed_id}/", stack.company));
    let (_, feeds) = api.get("/feeds").await;
    assert_eq!(feeds["feeds"].as_array().unwrap().len(), 1, "{feeds}");

    stack
        .put_object(&format!("{prefix}hr-nightly.csv"), bytes)
        .await;
    let start = Instant::now();
    let id = loop {
        let (status, list) = api.get("/imports").await;
        assert_eq!(status, StatusCode::OK, "{list}");
        if let Some(import) = list["imports"].as_array().unwrap().first() {
            assert_eq!(import["source"], "feed", "{import}");
            assert_eq!(import["feed_id"], feed_id.as_str(), "{import}");
            assert_eq!(import["file_name"], "hr-nightly.csv", "{import}");
            break import["import_id"].as_str().unwrap().to_string();
        }
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "no import for the feed's file"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    let done = api.wait_final(&id).await;
    assert_eq!(done["status"], "finished_with_errors", "{done}");
    assert_eq!(done["template_id"], template_id.as_str(), "{done}");
    assert_eq!(done["counts"]["created"], 35, "{done}");
    assert_eq!(done["counts"]["failed"], 5, "{done}");
    let (status, _) = api.get(&format!("/records/employees/{DANA}")).await;
    assert_eq!(status, StatusCode::OK);

    let (status, _) = api.delete(&format!("/feeds/{feed_id}")).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (_, feeds) = api.get("/feeds").await;
    assert_eq!(feeds["feeds"], json!([]), "{feeds}");
    let listed: BTreeSet<String> = api.get("/imports").await.1["imports"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["import_id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(listed, BTreeSet::from([id]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn out_of_order_or_malformed_requests_get_clear_errors() {
    let (stack, api) = serve().await;
    let bytes = sample("employees.csv");
    let mapping = suggested(Entity::Employees, &bytes);
    let (status, created) = api
        .post(
            "/imports",
            json!({"entity": "employees", "file_name": "employees.csv"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let id = created["import_id"].as_str().unwrap().to_string();
    let (status, import) = api.get(&format!("/imports/{id}")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(import["status"], "pending_upload", "{import}");
    assert_eq!(import["created_by"], "e2e-test", "{import}");

    // An id that carries a key separator is refused before any key is made,
    // in a path or in a body.
    let (status, answer) = api.get(&format!("/imports/{id}%23META")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{answer}");
    assert!(
        answer["error"]["message"].as_str().unwrap().contains("`#`"),
        "{answer}"
    );
    let (status, answer) = api
        .post(
            "/imports",
            json!({"entity": "employees", "file_name": "x.csv", "corrects": format!("{id}#META")}),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{answer}");
    assert!(
        answer["error"]["message"].as_str().unwrap().contains("`#`"),
        "{answer}"
    );

    // Nothing to analyse, preview or export before the file arrives.
    let (status, answer) = api.get(&format!("/imports/{id}/analysis")).await;
    assert_eq!(
        (status, code(&answer)),
        (StatusCode::CONFLICT, "not_uploaded")
    );
    let (status, answer) = api
        .post(
            &format!("/imports/{id}/preview"),
            json!({"mapping": mapping}),
        )
        .await;
    assert_eq!(
        (status, code(&answer)),
        (StatusCode::CONFLICT, "not_uploaded")
    );
    let (status, answer) = api
        .post(&format!("/imports/{id}/failed-rows"), json!({}))
        .await;
    assert_eq!(
        (status, code(&answer)),
        (StatusCode::CONFLICT, "not_uploaded")
    );

    assert!(api.upload(&created, bytes).await.is_success());
    api.wait_uploaded(&id).await;
    for (body, status_wanted, code_wanted) in [
        (json!({}), StatusCode::BAD_REQUEST, "invalid_request"),
        (
            json!({"mapping": mapping, "template_id": "t"}),
            StatusCode::BAD_REQUEST,
            "invalid_request",
        ),
        (
            json!({"mapping": {"Not A Column": "email", "First Name": "first_name",
                               "Surname": "last_name", "Status": "employee_status"}}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "unknown_headers",
        ),
        (
            json!({"mapping": {"Email Address": "email", "First Name": "email",
                               "Surname": "last_name", "Status": "employee_status"}}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_mapping",
        ),
        (
            json!({"template_id": "no-such-template"}),
            StatusCode::NOT_FOUND,
            "not_found",
        ),
        (
            json!({"mapping": mapping, "surprise": true}),
            StatusCode::BAD_REQUEST,
            "invalid_request",
        ),
    ] {
        for action in ["preview", "start"] {
            let (status, answer) = api
                .post(&format!("/imports/{id}/{action}"), body.clone())
                .await;
            assert_eq!(status, status_wanted, "{action} {body}: {answer}");
            assert_eq!(code(&answer), code_wanted, "{action} {body}: {answer}");
        }
    }
    let (_, import) = api.get(&format!("/imports/{id}")).await;
    assert_eq!(
        import["status"], "uploaded",
        "refused starts left it waiting"
    );

    // Not JSON at all.
    let response = reqwest::Client::new()
        .post(format!("{}/imports", api.base))
        .bearer_auth(dic_e2e::token(&stack.company, "Admin"))
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let answer: Value = response.json().await.expect("a JSON error");
    assert_eq!(code(&answer), "invalid_request", "{answer}");

    // Another entity's import cannot be corrected by this one.
    let (status, answer) = api
        .post(
            "/imports",
            json!({"entity": "locations", "file_name": "l.csv", "corrects": id}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{answer}");
    assert_eq!(code(&answer), "corrects_other_entity", "{answer}");
    let (status, answer) = api
        .post("/imports", json!({"entity": "employees", "file_name": " "}))
        .await;
    assert_eq!(
        (status, code(&answer)),
        (StatusCode::BAD_REQUEST, "invalid_request")
    );
    let (status, answer) = api.post("/imports", json!({"file_name": "a.csv"})).await;
    assert_eq!(
        (status, code(&answer)),
        (StatusCode::BAD_REQUEST, "invalid_request")
    );

    // Cursors are the API's own; entities and keys are checked.
    for path in [
        format!("/imports/{id}/rows?cursor=not-a-cursor"),
        "/imports?cursor=not-a-cursor".to_string(),
        "/imports?status=sleeping".to_string(),
        format!("/imports/{id}/rows?outcome=maybe"),
        "/records/enrollments/only-an-email@example.com".to_string(),
    ] {
        let (status, answer) = api.get(&path).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{path}: {answer}");
        assert_eq!(code(&answer), "invalid_request", "{path}: {answer}");
    }
    for path in ["/catalog/spaceships", "/records/spaceships/x"] {
        let (status, answer) = api.get(path).await;
        assert_eq!(
            (status, code(&answer)),
            (StatusCode::NOT_FOUND, "not_found"),
            "{path}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn imports_are_listed_newest_first_page_by_page_and_by_status() {
    let stack = TestStack::new().await;
    let api = stack.api().await;
    let mut made = Vec::new();
    for n in 0..5 {
        let (status, created) = api
            .post(
                "/imports",
                json!({"entity": "employees", "file_name": format!("f{n}.csv")}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{created}");
        made.push(created["import_id"].as_str().unwrap().to_string());
        // Creation times are what the list orders by: keep them apart.
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let mut seen = Vec::new();
    let mut path = "/imports?limit=2".to_string();
    for _ in 0..5 {
        let (status, page) = api.get(&path).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        seen.extend(
            page["imports"]
                .as_array()
                .unwrap()
                .iter()
                .map(|i| i["import_id"].as_str().unwrap().to_string()),
        );
        match page["next_cursor"].as_str() {
            Some(cursor) => path = format!("/imports?limit=2&cursor={cursor}"),
            None => break,
        }
    }
    made.reverse();
    assert_eq!(seen, made, "every import once, newest first");
    let (_, pending) = api.get("/imports?status=pending_upload&limit=100").await;
    assert_eq!(pending["imports"].as_array().unwrap().len(), 5, "{pending}");
    let (_, finished) = api.get("/imports?status=finished").await;
    assert_eq!(finished["imports"], json!([]), "{finished}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_mapping_or_template_given_at_creation_imports_as_soon_as_the_file_lands() {
    let (_stack, api) = serve().await;
    let bytes = sample("employees.csv");
    let mapping = suggested(Entity::Employees, &bytes);
    // File names as admins save them: spaces, a plus, a percent, accents.
    let name = "R+D staff (100% final) é.csv";
    let (status, created) = api
        .post(
            "/imports",
            json!({"entity": "employees", "file_name": name, "mapping": mapping}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let id = created["import_id"].as_str().unwrap().to_string();
    assert!(api.upload(&created, bytes.clone()).await.is_success());
    let done = api.wait_final(&id).await;
    assert_eq!(done["status"], "finished_with_errors", "{done}");
    assert_eq!(done["file_name"], name, "{done}");
    assert_eq!(done["counts"]["created"], 35, "{done}");
    let (status, answer) = api
        .post(&format!("/imports/{id}/start"), json!({"mapping": mapping}))
        .await;
    assert_eq!(
        (status, code(&answer)),
        (StatusCode::CONFLICT, "already_started")
    );

    // Emails are keys whatever their case.
    let (status, record) = api
        .get("/records/employees/Dana.Whitfield@EXAMPLE.com")
        .await;
    assert_eq!(status, StatusCode::OK, "{record}");
    assert_eq!(record["key"], DANA);

    // A template's mapping, named at creation; the same file leaves all as is.
    let (status, template) = api
        .post(
            "/templates",
            json!({"name": "HR", "entity": "employees", "mapping": mapping}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{template}");
    let template_id = template["template_id"].as_str().unwrap();
    let (status, created) = api
        .post(
            "/imports",
            json!({"entity": "employees", "file_name": "again.csv", "template_id": template_id}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let again = created["import_id"].as_str().unwrap().to_string();
    assert!(api.upload(&created, bytes).await.is_success());
    let done = api.wait_final(&again).await;
    assert_eq!(done["template_id"], template_id, "{done}");
    assert_eq!(done["counts"]["unchanged"], 35, "{done}");
    assert_eq!(done["counts"]["created"], 0, "{done}");

    // A template of another entity does not fit.
    let (status, answer) = api
        .post(
            "/imports",
            json!({"entity": "locations", "file_name": "l.csv", "template_id": template_id}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{answer}");
    assert_eq!(code(&answer), "template_entity_mismatch", "{answer}");

    // An import without failures exports a workbook of its header only.
    let clean =
        b"Email Address,First Name,Surname,Status\nann@example.com,Ann,Lee,Active\n".to_vec();
    let (status, created) = api
        .post(
            "/imports",
            json!({"entity": "employees", "file_name": "clean.csv",
                   "mapping": suggested(Entity::Employees, &clean)}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let clean_id = created["import_id"].as_str().unwrap().to_string();
    assert!(api.upload(&created, clean).await.is_success());
    let done = api.wait_final(&clean_id).await;
    assert_eq!(done["status"], "finished", "{done}");
    let (export, sheet) = failed_rows_workbook(&api, &clean_id).await;
    assert_eq!(export["failed_rows"], 0, "{export}");
    assert_eq!(
        sheet,
        [[
            "Row",
            "Email Address",
            "First Name",
            "Surname",
            "Status",
            "Errors"
        ]
        .map(String::from)],
    );
}

/// Waits until the split queue holds no message, visible or in flight: the
/// splitter has handled every notification sent so far.
async fn split_queue_drained(stack: &TestStack) {
    use aws_sdk_sqs::types::QueueAttributeName as A;
    let start = Instant::now();
    loop {
        let out = stack
            .deps
            .clients
            .sqs
            .get_queue_attributes()
            .queue_url(&stack.stack.resources.split_queue_url)
            .attribute_names(A::ApproximateNumberOfMessages)
            .attribute_names(A::ApproximateNumberOfMessagesNotVisible)
            .send()
            .await
            .expect("queue attributes");
        let attributes = out.attributes.unwrap_or_default();
        let count = |name: A| -> u64 {
            attributes
                .get(&name)
                .and_then(|n| n.parse().ok())
                .unwrap_or(0)
        };
        if count(A::ApproximateNumberOfMessages) + count(A::ApproximateNumberOfMessagesNotVisible)
            == 0
        {
            return;
        }
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "split queue busy"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn what_the_analysis_shows_is_what_a_started_import_imports_even_after_a_second_upload() {
    let (stack, api) = serve().await;
    let (id, created) = api
        .create_and_upload("employees", "employees.csv", sample("employees.csv"))
        .await;
    api.wait_uploaded(&id).await;
    // The form is still valid: the admin posts another file with it.
    let other =
        b"Email Address,First Name,Surname,Status\nann@example.com,Ann,Lee,Active\n".to_vec();
    assert!(api.upload(&created, other).await.is_success());
    split_queue_drained(&stack).await;
    let (status, analysis) = api.get(&format!("/imports/{id}/analysis")).await;
    assert_eq!(status, StatusCode::OK, "{analysis}");
    let shown = analysis["row_count"].as_u64().unwrap();
    let (status, preview) = api
        .post(
            &format!("/imports/{id}/preview"),
            json!({"mapping": analysis["suggested_mapping"]}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{preview}");
    assert_eq!(preview["summary"]["rows"], shown, "preview vs analysis");
    let (status, started) = api
        .post(
            &format!("/imports/{id}/start"),
            json!({"mapping": analysis["suggested_mapping"]}),
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{started}");
    let done = api.wait_final(&id).await;
    assert_eq!(
        done["counts"]["total"], shown,
        "imported vs analysed: {done}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_starts_and_template_saves_have_one_winner() {
    let (_stack, api) = serve().await;
    let (id, analysis) = uploaded_employees(&api).await;
    let path = format!("/imports/{id}/start");
    let choice = json!({"mapping": analysis["suggested_mapping"]});
    let starts: Vec<_> = (0..4)
        .map(|_| {
            let (api, path, choice) = (api.clone(), path.clone(), choice.clone());
            tokio::spawn(async move { api.post(&path, choice).await })
        })
        .collect();
    let mut accepted = 0;
    for start in starts {
        let (status, answer) = start.await.unwrap();
        match status {
            StatusCode::ACCEPTED => accepted += 1,
            StatusCode::CONFLICT => assert_eq!(code(&answer), "already_started", "{answer}"),
            other => panic!("start answered {other}: {answer}"),
        }
    }
    assert_eq!(accepted, 1, "exactly one start runs the import");
    let done = api.wait_final(&id).await;
    assert_eq!(done["counts"]["total"], 40, "{done}");
    assert_eq!(done["counts"]["created"], 35, "{done}");

    let mapping = analysis["suggested_mapping"].clone();
    let saves: Vec<_> = (0..4)
        .map(|n| {
            let api = api.clone();
            let body = json!({"name": if n % 2 == 0 { "Same" } else { "SAME" },
                              "entity": "employees", "mapping": mapping});
            tokio::spawn(async move { api.post("/templates", body).await })
        })
        .collect();
    let mut created = 0;
    for save in saves {
        let (status, answer) = save.await.unwrap();
        match status {
            StatusCode::CREATED => created += 1,
            StatusCode::CONFLICT => assert_eq!(code(&answer), "template_name_taken"),
            other => panic!("save answered {other}: {answer}"),
        }
    }
    assert_eq!(created, 1, "one template per name");
}

/// Renames that overlap must not leave a name reserved with no template
/// behind it: each rename frees the name it read as the old one, so two at
/// once free the first name twice and keep the loser's new name taken.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_renames_of_a_template_leave_no_name_taken_by_nobody() {
    let stack = TestStack::new().await;
    let api = stack.api().await;
    let mapping =
        json!({"c1": "email", "c2": "first_name", "c3": "last_name", "c4": "employee_status"});
    let (status, created) = api
        .post(
            "/templates",
            json!({"name": "Start", "entity": "employees", "mapping": mapping}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let template_id = created["template_id"].as_str().unwrap().to_string();
    let names = ["North", "South", "East", "West"];
    let renames: Vec<_> = names
        .into_iter()
        .map(|name| {
            let (api, path) = (api.clone(), format!("/templates/{template_id}"));
            let body = json!({"name": name, "entity": "employees", "mapping": mapping});
            tokio::spawn(async move { api.put(&path, body).await })
        })
        .collect();
    for rename in renames {
        let (status, answer) = rename.await.unwrap();
        assert!(
            status == StatusCode::OK || status == StatusCode::CONFLICT,
            "{status} {answer}"
        );
    }
    let (_, shown) = api.get(&format!("/templates/{template_id}")).await;
    let kept = shown["name"].as_str().unwrap().to_string();
    // Only the name the template ended with is in use; "Start" and the
    // names it passed through are free.
    for name in ["Start", "North", "South", "East", "West"] {
        let body = json!({"name": name, "entity": "employees", "mapping": mapping});
        let (status, answer) = api.post("/templates", body).await;
        if name == kept {
            assert_eq!(status, StatusCode::CONFLICT, "{name}: {answer}");
        } else {
            assert_eq!(
                status,
                StatusCode::CREATED,
                "{name} is not the name of any template (the template is {kept:?}): {answer}"
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn settings_decide_what_a_second_import_may_do() {
    let (_stack, api) = serve().await;
    imported_employees(&api).await;
    let (id, analysis) = uploaded_employees(&api).await;
    let mapping = &analysis["suggested_mapping"];
    let (status, preview) = api
        .post(
            &format!("/imports/{id}/preview"),
            json!({"mapping": mapping, "settings": {"mode": "create_only"}}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{preview}");
    assert_eq!(preview["summary"]["would_fail"], 35, "{preview}");
    assert_eq!(preview["summary"]["would_create"], 0, "{preview}");
    let (status, started) = api
        .post(
            &format!("/imports/{id}/start"),
            json!({"mapping": mapping, "settings": {"mode": "create_only"}}),
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{started}");
    assert_eq!(started["settings"]["mode"], "create_only", "{started}");
    let done = api.wait_final(&id).await;
    assert_eq!(done["counts"]["failed"], 40, "{done}");
    assert_eq!(done["counts"]["created"], 0, "{done}");
    let (_, failed) = api
        .get(&format!("/imports/{id}/rows?outcome=failed&limit=2"))
        .await;
    assert_eq!(failed["rows"][0]["row"], 2, "{failed}");
    assert_eq!(failed["rows"][0]["errors"][0]["code"], "record_exists");

    // Failed rows page like the others.
    let mut seen = Vec::new();
    let mut path = format!("/imports/{id}/rows?outcome=failed&limit=3");
    for _ in 0..20 {
        let (status, page) = api.get(&path).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        seen.extend(
            page["rows"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r["row"].as_u64().unwrap()),
        );
        match page["next_cursor"].as_str() {
            Some(cursor) => {
                path = format!("/imports/{id}/rows?outcome=failed&limit=3&cursor={cursor}")
            }
            None => break,
        }
    }
    assert_eq!(seen, (2..=41).collect::<Vec<u64>>());
}

/// A feed imports unattended: once its template is gone, its files must not
/// sit at `uploaded` waiting for a start nobody gives. Either the delete is
/// refused while a feed uses the template, or the file fails with a reason.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_feed_whose_template_was_deleted_does_not_leave_files_waiting() {
    let (stack, api) = serve().await;
    let bytes = sample("employees.csv");
    let mapping = suggested(Entity::Employees, &bytes);
    let (_, template) = api
        .post(
            "/templates",
            json!({"name": "Nightly", "entity": "employees", "mapping": mapping}),
        )
        .await;
    let template_id = template["template_id"].as_str().unwrap().to_string();
    let (_, feed) = api
        .post(
            "/feeds",
            json!({"entity": "employees", "template_id": template_id}),
        )
        .await;
    let prefix = feed["prefix"].as_str().unwrap().to_string();
    let (status, answer) = api.delete(&format!("/templates/{template_id}")).await;
    if status == StatusCode::CONFLICT {
        // Refusing to delete a template a feed uses is one right answer.
        return;
    }
    assert_eq!(status, StatusCode::NO_CONTENT, "{answer}");
    // The other: the feed's next file ends, failed with a reason, rather
    // than waiting for a start nobody will give.
    stack.put_object(&format!("{prefix}hr.csv"), bytes).await;
    let start = Instant::now();
    let id = loop {
        let (_, list) = api.get("/imports").await;
        if let Some(id) = list["imports"][0]["import_id"].as_str() {
            break id.to_string();
        }
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "no import for the file"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    split_queue_drained(&stack).await;
    let (_, import) = api.get(&format!("/imports/{id}")).await;
    assert_eq!(
        import["status"], "failed",
        "a feed file whose template is gone should fail with a reason: {import}"
    );
    assert!(
        import["reason"].as_str().is_some_and(|r| !r.is_empty()),
        "{import}"
    );
}
