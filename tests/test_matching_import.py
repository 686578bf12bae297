"""Bulk import of needs and offers: a CSV or XLSX file, a preview of every row with its problems
in the reader's language, nothing written until the person confirms, then every valid row
through `services.post_create` in one transaction. Hostile files get a clear refusal."""

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook

from regionbridge.matching import import_views, imports, services
from regionbridge.matching.models import Post
from regionbridge.organizations.models import Organization
from regionbridge.partnerships.services import spheres_load

pytestmark = pytest.mark.django_db

HEADER = "kind,title,description,sphere,topics,institution_type,region,scale,timing,audience"
GOOD_ROWS = [
    "need,Протезування верхніх кінцівок,Потрібне навчання протезистів для ветеранів.,"
    "healthcare,,rehabilitation,UA-18,20 пацієнтів,2026,members",
    "offer,Upper-limb prosthetics training,Our clinic trains prosthetists.,healthcare,,"
    "hospital,US-IN,two trainers,spring,partners",
]


@pytest.fixture
def spheres(reference):
    spheres_load()


@pytest.fixture
def office(reference):
    return Organization.objects.get(key="rma-UA-18")


def csv_file(*rows: str, header: str = HEADER, name: str = "posts.csv", encoding="utf-8"):
    text = "\n".join([header, *rows]) + "\n"
    return SimpleUploadedFile(name, text.encode(encoding), content_type="text/csv")


def xlsx_file(rows: list[list], name: str = "posts.xlsx") -> SimpleUploadedFile:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(HEADER.split(","))
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue())


def upload(client, user, office, file):
    client.force_login(user)
    return client.post(reverse("matching:import"), {"organization": office.pk, "file": file})


def batch_id(client) -> str:
    return client.session[import_views.SESSION_KEY]["batch"]


# --- the happy path -------------------------------------------------------------------------


def test_preview_then_confirm_writes_the_rows_once(client, spheres, zhytomyr, office):
    response = upload(client, zhytomyr, office, csv_file(*GOOD_ROWS))
    assert response.status_code == 302
    assert response["Location"] == reverse("matching:import_preview")
    preview = client.get(reverse("matching:import_preview"))
    content = preview.content.decode()
    assert "Протезування верхніх кінцівок" in content and "Upper-limb prosthetics" in content
    assert not Post.objects.exists()  # nothing before the confirmation

    confirmed = client.post(reverse("matching:import_confirm"), {"batch": batch_id(client)})
    assert confirmed.status_code == 302
    posts = list(Post.objects.order_by("kind"))
    assert [(p.kind, p.language, p.region.code, p.audience) for p in posts] == [
        ("need", "uk", "UA-18", "members"),
        ("offer", "en", "US-IN", "partners"),
    ]
    assert all(p.organization == office and p.author == zhytomyr for p in posts)
    assert (
        "2 needs and offers were created" in client.get(reverse("matching:import")).content.decode()
    )

    # The same confirmation again writes nothing more.
    again = client.post(reverse("matching:import_confirm"), {"batch": "anything"})
    assert again.status_code == 302 and Post.objects.count() == 2


def test_semicolons_and_a_byte_order_mark(client, spheres, zhytomyr, office):
    rows = [row.replace(",", ";") for row in GOOD_ROWS]
    file = csv_file(*rows, header=HEADER.replace(",", ";"), encoding="utf-8-sig")
    assert upload(client, zhytomyr, office, file).status_code == 302
    client.post(reverse("matching:import_confirm"), {"batch": batch_id(client)})
    assert Post.objects.count() == 2


def test_optional_columns_may_be_left_out(client, spheres, zhytomyr, office):
    file = csv_file(
        "need,Потрібні ліжка,Для лікарні в Житомирі,UA-18",
        header="kind,title,description,region",
    )
    upload(client, zhytomyr, office, file)
    client.post(reverse("matching:import_confirm"), {"batch": batch_id(client)})
    post = Post.objects.get()
    assert post.sphere is None and post.audience == "members" and post.topics == []


def test_an_xlsx_workbook(client, spheres, zhytomyr, office):
    file = xlsx_file(
        [
            [
                "need",
                "Обладнання для реабілітації",
                "Потрібні тренажери.",
                "healthcare",
                None,
                "rehabilitation",
                "UA-18",
                12,
                None,
                None,
            ],
            [
                "offer",
                '=HYPERLINK("http://evil.example","click")',
                "Equipment for rehab.",
                None,
                None,
                None,
                "US-IN",
                None,
                None,
                None,
            ],
        ]
    )
    assert upload(client, zhytomyr, office, file).status_code == 302
    client.post(reverse("matching:import_confirm"), {"batch": batch_id(client)})
    need = Post.objects.get(kind="need")
    assert need.scale == "12"
    # A formula is kept as the text it is, never evaluated.
    assert Post.objects.get(kind="offer").title == '=HYPERLINK("http://evil.example","click")'


def test_formula_cells_in_a_csv_stay_plain_text(client, spheres, zhytomyr, office):
    file = csv_file(
        'offer,"=HYPERLINK(""http://evil.example"",""x"")",@SUM(A1) training,,,,US-IN,,,'
    )
    upload(client, zhytomyr, office, file)
    client.post(reverse("matching:import_confirm"), {"batch": batch_id(client)})
    post = Post.objects.get()
    assert post.title == '=HYPERLINK("http://evil.example","x")'
    assert post.description == "@SUM(A1) training"


def test_the_template_downloads(client, spheres, zhytomyr):
    client.force_login(zhytomyr)
    response = client.get(reverse("matching:import_template"))
    assert response["Content-Type"].startswith("text/csv")
    assert response.content.decode("utf-8-sig").splitlines()[0] == HEADER


def test_the_template_itself_imports(client, spheres, zhytomyr, office):
    client.force_login(zhytomyr)
    template = client.get(reverse("matching:import_template")).content
    upload(client, zhytomyr, office, SimpleUploadedFile("template.csv", template))
    client.post(reverse("matching:import_confirm"), {"batch": batch_id(client)})
    assert Post.objects.count() == len(import_views.TEMPLATE_ROWS)


# --- row problems, in the reader's language -------------------------------------------------

BAD_ROWS = {
    "unknown sphere": ("need,Ліжка,Потрібні ліжка,astrology,,,UA-18,,,", "Unknown sphere"),
    "region not ISO": ("need,Ліжка,Потрібні ліжка,,,,Zhytomyr,,,", "is not an ISO 3166-2 code"),
    "unknown region": ("need,Ліжка,Потрібні ліжка,,,,UA-99,,,", "There is no region"),
    "title missing": ("need,,Потрібні ліжка,,,,UA-18,,,", "Title is missing"),
    "title too long": (f"need,{'Д' * 201},Потрібні ліжка,,,,UA-18,,,", "Title is too long"),
    "no language": ("need,12345,678 90,,,,UA-18,,,", "The language cannot be told"),
    "unknown topic": ("need,Ліжка,Потрібні ліжка,,no-such-topic,,UA-18,,,", "Unknown topics"),
    "unknown kind": ("wish,Ліжка,Потрібні ліжка,,,,UA-18,,,", "Kind must be"),
    "unknown type": ("need,Ліжка,Потрібні ліжка,,,castle,UA-18,,,", "Unknown type"),
    "unknown audience": ("need,Ліжка,Потрібні ліжка,,,,UA-18,,,secret", "Audience must be"),
}


@pytest.mark.parametrize("case", BAD_ROWS)
def test_a_rows_problem_is_shown_and_the_row_left_out(client, spheres, zhytomyr, office, case):
    row, message = BAD_ROWS[case]
    upload(client, zhytomyr, office, csv_file(GOOD_ROWS[0], row))
    content = client.get(reverse("matching:import_preview")).content.decode()
    assert message in content, content[-3000:]
    assert "1 can be imported" in content
    client.post(reverse("matching:import_confirm"), {"batch": batch_id(client)})
    assert Post.objects.count() == 1


def test_the_problems_are_in_the_readers_language(client, spheres, zhytomyr, office):
    zhytomyr.language = "uk"
    zhytomyr.save()
    upload(client, zhytomyr, office, csv_file("need,Ліжка,Потрібні ліжка,astrology,,,UA-99,,,"))
    content = client.get(reverse("matching:import_preview")).content.decode()
    assert "Невідома сфера «astrology»" in content
    assert "Немає регіону з кодом UA-99." in content


def test_a_row_the_service_refuses_rolls_everything_back(
    client, spheres, zhytomyr, office, monkeypatch
):
    real = services.post_create
    calls = []

    def refusing(**kwargs):
        calls.append(kwargs)
        if len(calls) == 2:
            raise services.ValidationError("Refused by the service.")
        return real(**kwargs)

    monkeypatch.setattr(services, "post_create", refusing)
    upload(client, zhytomyr, office, csv_file(*GOOD_ROWS))
    response = client.post(reverse("matching:import_confirm"), {"batch": batch_id(client)})
    assert response.status_code == 400
    assert "Refused by the service." in response.content.decode()
    assert not Post.objects.exists()


def test_the_preview_is_discarded_on_request(client, spheres, zhytomyr, office):
    upload(client, zhytomyr, office, csv_file(*GOOD_ROWS))
    client.post(reverse("matching:import_confirm"), {"batch": batch_id(client), "discard": "1"})
    assert import_views.SESSION_KEY not in client.session
    assert not Post.objects.exists()


# --- who may import, and for whom -----------------------------------------------------------


def test_only_organizations_one_posts_for_are_offered(client, spheres, zhytomyr, office):
    client.force_login(zhytomyr)
    other = Organization.objects.get(key="rma-UA-74")
    form = client.get(reverse("matching:import")).content.decode()
    assert f'value="{office.pk}"' in form and f'value="{other.pk}"' not in form
    response = upload(client, zhytomyr, other, csv_file(*GOOD_ROWS))
    assert response.status_code == 400
    assert import_views.SESSION_KEY not in client.session


@pytest.mark.parametrize("name", ["outsider", "embassy", "ministry"])
def test_who_posts_for_nobody_may_not_import(client, spheres, request, name, office):
    response = upload(client, request.getfixturevalue(name), office, csv_file(*GOOD_ROWS))
    assert response.status_code == 403
    assert not Post.objects.exists()


def test_a_lost_right_writes_nothing(client, spheres, zhytomyr, office):
    upload(client, zhytomyr, office, csv_file(*GOOD_ROWS))
    zhytomyr.role_assignments.all().delete()
    response = client.post(reverse("matching:import_confirm"), {"batch": batch_id(client)})
    assert response.status_code == 403
    assert not Post.objects.exists()


# --- hostile files --------------------------------------------------------------------------


def zip_bomb() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"0" * (80 * 1024 * 1024))
    return buffer.getvalue()


def many_rows(count: int) -> bytes:
    return ("\n".join([HEADER, *(["need,t,d,,,,UA-18,,,"] * count)]) + "\n").encode()


HOSTILE = {
    "a zip bomb": ("bomb.xlsx", zip_bomb(), "too large to import"),
    "100,000 rows": ("big.csv", many_rows(100_000), "rows"),
    "binary junk named .csv": ("junk.csv", bytes(range(256)) * 40, "not a text file"),
    "a workbook named .csv": ("book.csv", b"PK\x03\x04" + b"\x00" * 100, "workbook"),
    "junk named .xlsx": ("junk.xlsx", b"PK\x03\x04" + b"\x01" * 500, "not a real spreadsheet"),
    "text named .xlsx": ("text.xlsx", HEADER.encode(), "not a real XLSX"),
    "Windows-1251": (
        "cp.csv",
        (HEADER + "\nneed,Ліжка,Ліжка,,,,UA-18,,,\n").encode("cp1251"),
        "not in UTF-8",
    ),
    "no header": ("none.csv", b"need,a,b,,,,UA-18,,,\n", "Unknown columns"),
    "only a header": ("header.csv", (HEADER + "\n").encode(), "no needs or offers"),
    "an empty file": ("empty.csv", b"", "empty"),
    "a PDF": ("doc.pdf", b"%PDF-1.4\n", "Only CSV and XLSX"),
    "a broken quote": ("q.csv", (HEADER + '\nneed,"' + "x" * 200_000 + "\n").encode(), "CSV"),
    "a header with a repeat": ("r.csv", b"kind,title,title,description,region\n", "twice"),
}


@pytest.mark.parametrize("case", HOSTILE)
def test_a_hostile_file_is_refused_with_a_reason(client, spheres, zhytomyr, office, case):
    name, data, message = HOSTILE[case]
    response = upload(client, zhytomyr, office, SimpleUploadedFile(name, data))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert import_views.SESSION_KEY not in client.session
    assert not Post.objects.exists()


def test_a_file_over_the_size_limit(client, spheres, zhytomyr, office, monkeypatch):
    monkeypatch.setattr(imports, "MAX_BYTES", 1000)
    response = upload(client, zhytomyr, office, csv_file(*GOOD_ROWS * 10))
    assert response.status_code == 400 and "too large" in response.content.decode()


def test_a_sheet_that_claims_a_million_empty_rows_stops_early(client, spheres, zhytomyr, office):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(HEADER.split(","))
    sheet.cell(row=1_000_000, column=1, value="need")
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = upload(client, zhytomyr, office, SimpleUploadedFile("far.xlsx", buffer.getvalue()))
    assert response.status_code == 400
    assert "lines" in response.content.decode()


def test_the_row_cap_is_exact(spheres):
    file = SimpleUploadedFile("cap.csv", many_rows(imports.MAX_ROWS))
    assert len(imports.read_upload(file)) == imports.MAX_ROWS
    with pytest.raises(imports.ImportRefused):
        imports.read_upload(SimpleUploadedFile("cap.csv", many_rows(imports.MAX_ROWS + 1)))


def test_the_preview_and_confirmation_cost_a_fixed_number_of_queries(
    client, spheres, zhytomyr, office, django_assert_max_num_queries
):
    rows = [GOOD_ROWS[0]] * 50
    upload(client, zhytomyr, office, csv_file(*rows))
    with django_assert_max_num_queries(15):
        client.get(reverse("matching:import_preview"))
