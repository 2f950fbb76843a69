"""Logo and card art uploaded in the console: checked by their bytes, kept by content, live once published."""

from __future__ import annotations

import html
import io
import re
from pathlib import Path

import pytest
from kabao_testing import mint_launch_token, text_of
from ops_testing import base_of, csrf, login, publish
from PIL import Image
from werkzeug.datastructures import FileStorage
from werkzeug.security import generate_password_hash
from werkzeug.test import encode_multipart

from bff.merchants.colors import MIN_TEXT_CONTRAST, contrast_ratio, scrim_over_any_picture
from bff.ops.desk import Desk, unified
from bff.ops.uploads import MAX_BYTES

LIME = "lime-market"


def picture(kind: str = "PNG", size: tuple[int, int] = (240, 96), colour: str = "#e8a33d") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, kind)
    return out.getvalue()


def looks_like(data: bytes, original: bytes) -> bool:
    """The same picture: kind, size and (within JPEG/WebP re-encoding) colours; the bytes are written anew."""
    with Image.open(io.BytesIO(data)) as got, Image.open(io.BytesIO(original)) as sent:
        if (got.format, got.size) != (sent.format, sent.size):
            return False
        pairs = zip(got.convert("RGB").tobytes(), sent.convert("RGB").tobytes(), strict=True)
        return max(abs(a - b) for a, b in pairs) <= (0 if sent.format == "PNG" else 8)


def padded_png(size: int) -> bytes:
    """A real PNG made exactly size bytes long (readers stop at its end; what follows is never looked at)."""
    data = picture()
    return data + bytes(size - len(data))


@pytest.fixture
def alice(ops_app):
    client = ops_app.test_client()
    login(client)
    return client


def form_of(client, merchant_id: str = LIME, draft: str = "") -> dict[str, str]:
    """The CSRF token and the draft version an editor page's upload forms send."""
    page = client.get(f"/ops/merchants/{merchant_id}" + (f"?draft={draft}" if draft else "")).get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    return {"csrf_token": token, "base": re.search(r'name="base" value="(\w*)"', page).group(1)}


def post_picture(client, path: str, data: bytes, filename: str, form: dict[str, str]):
    """The upload form as a browser sends it, encoded in memory (the test client spools a big body to a file)."""
    boundary, body = encode_multipart({**form, "picture": FileStorage(io.BytesIO(data), filename)})
    return client.post(path, data=body, content_type=f"multipart/form-data; boundary={boundary}")


def upload(client, data: bytes, filename: str, slot: str = "logo", merchant_id: str = LIME):
    return post_picture(
        client, f"/ops/merchants/{merchant_id}/pictures/{slot}", data, filename, form_of(client, merchant_id)
    )


def fetched(client, url: str):
    """A picture's answer, read and closed (a file sent by send_file stays open until the answer is closed)."""
    with client.get(html.unescape(url)) as response:
        response.get_data()
        return response


def files_under(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def shopper_page(app, client, merchant_id: str = LIME) -> str:
    token = mint_launch_token(app.config["KABAO_HOST_SECRET"], "u1001", merchant_id)
    client.get(f"/launch?token={token}")
    return client.get("/wallet").get_data(as_text=True)


def test_a_png_logo_goes_into_the_draft_only_and_shoppers_see_it_once_published(ops_app, alice, config):
    live = (config / f"{LIME}.yaml").read_text("utf-8")
    png = picture()
    done = upload(alice, png, "新标志.png")
    assert done.status_code == 303 and done.headers["Location"].endswith("#pictures")
    assert "新标志已存入草稿 main" in text_of(alice.get(done.headers["Location"]))
    draft = Desk(config).draft_text(LIME)
    stored = re.search(r"logo: (assets/lime-market-[0-9a-f]{20}\.png)\n", draft).group(1)
    assert looks_like((config / stored).read_bytes(), png)
    changed = [line for line in unified(live, draft).splitlines()[2:] if line[:1] in "+-"]
    assert changed == ["-  logo: assets/lime-market.svg", f"+  logo: {stored}"]  # one line, comments kept
    assert Desk(config).audit(LIME)[0].diff.count("\n+  logo:") == 1
    assert (config / f"{LIME}.yaml").read_text("utf-8") == live

    shopper = ops_app.test_client()
    before = re.search(r'<img class="logo" src="([^"]+)"', shopper_page(ops_app, shopper)).group(1)
    assert fetched(shopper, before).mimetype == "image/svg+xml"  # not live until published
    assert publish(alice, LIME, note="new logo").status_code == 303
    after = re.search(r'<img class="logo" src="([^"]+)"', shopper.get("/wallet").get_data(as_text=True)).group(1)
    assert after != before  # a new version of the file is a new URL: a cached old logo never shows
    served = fetched(shopper, after)
    assert served.status_code == 200 and served.get_data() == (config / stored).read_bytes()
    assert served.mimetype == "image/png" and looks_like(served.get_data(), png)
    assert served.headers["Cache-Control"] == "public, max-age=31536000, immutable"


def test_card_art_shows_on_the_face_under_a_readable_veil_once_published(ops_app, alice, config):
    art = picture("JPEG", (640, 400), "#ffffff")
    assert upload(alice, art, "gift.JPG", slot="art/gift").status_code == 303
    assert re.search(r"gift: \{.*, art: assets/lime-market-[0-9a-f]{20}\.jpg\}", Desk(config).draft_text(LIME))
    assert publish(alice, LIME, note="gift card art").status_code == 303
    shopper = ops_app.test_client()
    page = shopper_page(ops_app, shopper)
    css = shopper.get(re.search(r'href="(/brand/lime-market/[^"]+/brand\.css)"', page).group(1))
    rule = re.search(r"\.face-gift \{([^}]*)\}", css.get_data(as_text=True)).group(1)
    art_url = re.search(r'url\("([^"]+)"\)', rule).group(1)
    veil = re.search(r"rgba\((\d+), (\d+), (\d+), ([\d.]+)\)", rule)
    assert veil and f"#{int(veil[1]):02x}{int(veil[2]):02x}{int(veil[3]):02x}" == "#0b7a4b"  # the face colour
    served = fetched(shopper, art_url)
    assert looks_like(served.get_data(), art) and served.mimetype == "image/jpeg"
    assert served.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert ".face-default { background: #145c3c;" in css.get_data(as_text=True)  # faces without art as before


def test_the_preview_shows_a_drafts_new_logo_and_art_before_it_is_published(alice):
    png, art = picture(colour="#123456"), picture("WEBP", (300, 190))
    upload(alice, png, "logo.png")
    upload(alice, art, "art.webp", slot="art/default")
    page = alice.get(f"/ops/preview/{LIME}/wallet/cards?source=draft").get_data(as_text=True)
    logo = re.search(r'src="(/ops/preview/lime-market/logo[^"]*)"', page).group(1)
    assert looks_like(fetched(alice, logo).get_data(), png)
    css_url = re.search(r'href="(/ops/preview/lime-market/brand\.css[^"]*)"', page).group(1)
    css = alice.get(html.unescape(css_url)).get_data(as_text=True)
    art_url = re.search(r'\.face-default \{[^}]*url\("([^"]+)"\)', css).group(1)
    assert art_url.startswith("/ops/preview/lime-market/art/default")
    assert looks_like(fetched(alice, art_url).get_data(), art)
    live = alice.get(f"/ops/preview/{LIME}/wallet/cards?source=live").get_data(as_text=True)
    assert fetched(alice, re.search(r'src="(/brand/lime-market/[^"]*logo)"', live).group(1)).mimetype == "image/svg+xml"


def test_the_editor_shows_the_current_pictures_and_their_upload_forms_in_the_console_language(alice):
    page = alice.get(f"/ops/merchants/{LIME}").get_data(as_text=True)
    section = re.search(r'<section class="ops-card pictures".*?</section>', page, re.S).group(0)
    assert "图片" in section and "卡面图：gift" in section and "assets/lime-market.svg" in section
    assert section.count('enctype="multipart/form-data"') == 4  # the logo and three card faces
    upload(alice, picture(), "logo.png")
    alice.set_cookie("kabao_ops_lang", "en")
    page = alice.get(f"/ops/merchants/{LIME}?picture=logo").get_data(as_text=True)
    assert "The new logo is in the draft main" in page and "Card art: member" in page
    thumb = re.search(r'<img class="thumb" src="([^"]+)" alt="The draft&#39;s logo now"', page).group(1)
    assert fetched(alice, thumb).mimetype == "image/png"
    made_up = alice.get(f"/ops/merchants/{LIME}?picture=platinum").get_data(as_text=True)
    assert "is in the draft" not in made_up  # a link can't make the page say something was uploaded


def test_an_upload_from_another_page_of_the_merchant_goes_back_there_and_nowhere_else(alice):
    path = f"/ops/merchants/{LIME}/pictures/logo"
    back = {**form_of(alice), "back": f"/ops/merchants/{LIME}/visual?lang=en&picture=x"}
    done = post_picture(alice, path, picture(), "a.png", back)
    assert (
        done.status_code == 303
        and done.headers["Location"] == f"/ops/merchants/{LIME}/visual?lang=en&picture=logo#pictures"
    )
    for elsewhere in ["https://evil.example/ops/merchants/lime-market", "//evil.example/", "/ops/merchants/birch-tea"]:
        done = post_picture(alice, path, picture(colour="#102030"), "a.png", {**form_of(alice), "back": elsewhere})
        assert done.headers["Location"] == f"/ops/merchants/{LIME}?picture=logo#pictures", elsewhere


def test_a_viewer_sees_the_pictures_but_cannot_upload(make_app, config):
    app = make_app(
        config, KABAO_OPS_USERS=f"vera:{generate_password_hash('a long password', 'pbkdf2:sha256:1000')}:viewer"
    )
    vera = app.test_client()
    login(vera, "vera", "a long password")
    page = vera.get(f"/ops/merchants/{LIME}").get_data(as_text=True)
    assert "assets/lime-market.svg" in page and 'type="file"' not in page
    before = files_under(config)
    refused = upload(vera, picture(), "logo.png")
    assert refused.status_code == 403 and files_under(config) == before


def test_what_is_kept_is_the_picture_alone_no_camera_gps_and_nothing_riding_after_it(alice, config):
    exif = Image.Exif()
    exif[0x8825] = {1: "N", 2: (31.0, 14.0, 1.0), 3: "E", 4: (121.0, 28.0, 1.0)}  # GPS: where the photo was taken
    exif[0x0112] = 6  # the phone was held sideways: shown turned a quarter
    photo = io.BytesIO()
    Image.new("RGB", (400, 200), "#3366aa").save(photo, "JPEG", exif=exif)
    assert upload(alice, photo.getvalue(), "photo.jpeg", slot="art/gift").status_code == 303
    polyglot = picture() + b"<html><script>alert(document.cookie)</script></html>"
    assert upload(alice, polyglot, "logo.png").status_code == 303
    brand = Desk(config).draft_text(LIME)
    art = config / re.search(r"art: (assets/[\w.-]+)", brand).group(1)
    with Image.open(art) as kept:
        assert kept.size == (200, 400) and not kept.getexif()  # turned upright, no GPS left
    logo = (config / re.search(r"logo: (assets/[\w.-]+)", brand).group(1)).read_bytes()
    assert b"<script" not in logo and looks_like(logo, picture())


SVG_WITH_SCRIPT = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(document.cookie)</script></svg>'


REFUSED = {  # what is sent: (file, name, status, what ops read)
    "a PNG named .jpg": (picture("PNG"), "logo.jpg", 422, "The file is a PNG but its name ends in .jpg"),
    "a text file named .png": (b"name,amount\nlime,100\n" * 20, "logo.png", 422, "not a picture that reads as PNG"),
    "an SVG with a script": (SVG_WITH_SCRIPT, "logo.svg", 422, "SVG files are not taken"),
    "an SVG named .png": (SVG_WITH_SCRIPT, "logo.png", 422, "SVG files are not taken"),
    "a GIF": (b"GIF89a" + bytes(64), "logo.gif", 422, "This is a GIF file"),
    "nothing": (b"", "logo.png", 422, "No file was chosen"),
    "a picture too wide": (picture("PNG", (4097, 10)), "wide.png", 422, "too many pixels (4097×10)"),
    "a file too big": (padded_png(MAX_BYTES + 8 * 1024), "big.png", 413, "The file is too big (520 KB); the limit"),
    "a body over the limit": (padded_png(MAX_BYTES + 200 * 1024), "bigger.png", 413, "The file is too big (712 KB"),
}


def test_a_refused_file_is_said_why_in_the_console_language_and_nothing_is_written(alice, config):
    before = files_under(config)
    alice.set_cookie("kabao_ops_lang", "en")
    for what, (data, filename, status, says) in REFUSED.items():
        refused = upload(alice, data, filename)
        assert refused.status_code == status, what
        assert says in text_of(refused) and "Nothing was saved." in text_of(refused), what
        assert files_under(config) == before, what
    no_file = alice.post(f"/ops/merchants/{LIME}/pictures/logo", data=form_of(alice))
    assert no_file.status_code == 422 and "No file was chosen" in text_of(no_file)


def test_a_picture_of_ten_thousand_pixels_a_side_is_refused_before_it_is_decoded(alice, config):
    out = io.BytesIO()
    Image.new("1", (10_000, 10_000)).save(out, "PNG")  # 100 million pixels in a few KB: a decompression bomb
    before = files_under(config)
    refused = upload(alice, out.getvalue(), "bomb.png")
    assert refused.status_code == 422 and "图片像素太多" in text_of(refused) and "没有保存任何内容" in text_of(refused)
    assert files_under(config) == before


def test_the_upload_name_never_chooses_where_the_file_goes(alice, config):
    names = ["../../../../tmp/evil.png", "..\\..\\evil.png", "/etc/passwd.png", "a/../../b.png"]
    for i, filename in enumerate(names):
        assert upload(alice, picture(colour=f"#0f0f{i:02x}"), filename).status_code == 303, filename
    repository = set(files_under(Path(__file__).parent.parent / "wallet_config"))
    written = {k for k in files_under(config) if not k.startswith((".drafts", ".history"))} - repository
    assert len(written) == len(names)
    assert all(re.fullmatch(r"assets/lime-market-[0-9a-f]{20}\.png", path) for path in written), written


def test_names_in_the_address_cannot_reach_outside_the_merchants_files(alice, config):
    before, form = files_under(config), form_of(alice)
    for path in [
        "/ops/merchants/lime-market/pictures/art/..%2F..%2Fx",
        "/ops/merchants/lime-market/pictures/art/NOPE",
        "/ops/merchants/..%2Flime-market/pictures/logo",
        "/ops/merchants/lime-market/pictures/logo?draft=../../x",
    ]:
        assert post_picture(alice, path, picture(), "a.png", form).status_code == 404, path
    assert files_under(config) == before


def test_art_for_a_card_type_the_draft_has_no_face_for_is_refused(alice, config):
    before = files_under(config)
    refused = upload(alice, picture(), "a.png", slot="art/platinum")
    assert refused.status_code == 422 and "brand.card_faces.platinum" in text_of(refused)
    assert files_under(config) == before


def test_a_merchant_file_cannot_point_its_pictures_outside_the_config_dir(config):
    desk = Desk(config)
    text = desk.live_text(LIME)
    outside = text.replace("logo: assets/lime-market.svg", "logo: ../../../etc/hostname.png")
    assert any(p.key_path == "brand.logo" for p in desk.problems(LIME, outside))
    art = text.replace('text: "#ffffff"}', 'text: "#ffffff", art: ../secret.jpg}', 1)
    assert any(p.key_path == "brand.card_faces.gift.art" for p in desk.problems(LIME, art))
    svg_art = text.replace('text: "#ffffff"}', 'text: "#ffffff", art: assets/lime-market.svg}', 1)
    assert any(p.key_path == "brand.card_faces.gift.art" for p in desk.problems(LIME, svg_art))


def test_uploading_into_a_draft_someone_saved_meanwhile_is_refused(alice, config):
    stale = form_of(alice)
    upload(alice, picture(colour="#010101"), "first.png")
    first = Desk(config).draft_text(LIME)
    refused = post_picture(alice, f"/ops/merchants/{LIME}/pictures/logo", picture(), "second.png", stale)
    assert refused.status_code == 409 and "有人改动了这个草稿" in text_of(refused)
    assert Desk(config).draft_text(LIME) == first and len(Desk(config).audit(LIME)) == 1


def test_a_named_draft_gets_the_picture_and_the_main_draft_does_not(alice, config):
    alice.post(f"/ops/merchants/{LIME}/drafts", data={"csrf_token": csrf(alice, "/ops/"), "name": "spring"})
    path = f"/ops/merchants/{LIME}/pictures/logo?draft=spring"
    done = post_picture(alice, path, picture(), "spring.png", form_of(alice, draft="spring"))
    assert done.status_code == 303 and "draft=spring" in done.headers["Location"]
    assert re.search(r"logo: assets/lime-market-\w+\.png", Desk(config).draft_text(LIME, "spring"))
    assert Desk(config).draft_text(LIME) is None


def test_a_new_merchant_goes_live_only_once_it_has_a_logo(alice, config):
    alice.post("/ops/merchants", data={"csrf_token": csrf(alice, "/ops/"), "merchant_id": "tea-house"})
    text = Desk(config).draft_text("tea-house")
    ready_but_logo = text.replace("新商户", "茶舍").replace("New merchant", "Tea House").replace("#1a5fd0", "#2b6e4f")
    form = {"csrf_token": csrf(alice, "/ops/"), "base": base_of(alice, "tea-house"), "text": ready_but_logo}
    assert alice.post("/ops/merchants/tea-house", data=form).status_code == 200
    refused = publish(alice, "tea-house", "first release", waiver="sandbox only")
    assert refused.status_code == 409 and "brand.logo：还没有标志" in text_of(refused)
    assert upload(alice, picture(), "tea.png", merchant_id="tea-house").status_code == 303
    assert publish(alice, "tea-house", "first release", waiver="sandbox only").status_code == 303
    assert re.search(r"logo: assets/tea-house-\w+\.png", (config / "tea-house.yaml").read_text("utf-8"))


@pytest.mark.parametrize(
    ("background", "text"),
    [("#0b7a4b", "#ffffff"), ("#f4c7a1", "#2a120b"), ("#767676", "#ffffff"), ("#000000", "#fff")],
)
def test_the_veil_over_card_art_keeps_the_text_readable_on_a_black_or_white_picture(background, text):
    text = text if len(text) == 7 else "#ffffff"
    veil = re.fullmatch(r"rgba\((\d+), (\d+), (\d+), ([\d.]+)\)", scrim_over_any_picture(background, text))
    alpha = float(veil[4])
    assert 0.5 <= alpha <= 1.0
    for under in (0, 255):
        seen = "#" + "".join(f"{round(alpha * int(veil[i]) + (1 - alpha) * under):02x}" for i in (1, 2, 3))
        assert contrast_ratio(text, seen) >= MIN_TEXT_CONTRAST
