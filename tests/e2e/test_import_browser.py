"""The import's mapping step in Chromium: a 现状调查 Shapefile from upload to confirmed import."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import screenshot
from tests.test_app_import_mapping import survey_zip

pytestmark = pytest.mark.e2e


def test_survey_shapefile_from_upload_to_confirmed_import(page, tmp_path):
    path = tmp_path / "现状调查.zip"
    path.write_bytes(survey_zip(tmp_path))
    page.goto(f"{page.base_url}/data")
    page.get_by_role("heading", name="数据导入导出").first.wait_for(timeout=60000)
    page.locator('input[type="file"]').first.set_input_files(str(path))
    page.get_by_role("button", name="读取文件").click()
    page.get_by_role("heading", name="字段对应").wait_for(timeout=60000)
    # The proposals are shown with the file's first values beside each column.
    page.get_by_text("还缺必填字段").first.wait_for(timeout=30000)
    screenshot(page, "20_import_mapping_proposed")
    assert "2025-000、2025-001、2025-002" in page.content()  # first values beside 地块编号
    page.get_by_label("密度分区：统一填写（可留空）").fill("3")
    page.get_by_label("密度分区：统一填写（可留空）").press("Enter")
    apply = page.get_by_role("button", name="应用字段对应并校验")
    apply.wait_for(timeout=30000)
    page.wait_for_function(
        """() => [...document.querySelectorAll('button')].some(
            b => b.innerText.includes('应用字段对应并校验') && !b.disabled)""",
        timeout=30000,
    )
    apply.click()
    page.get_by_text("可作为地块图层：6 个要素").wait_for(timeout=60000)
    screenshot(page, "21_import_validated")
    page.get_by_role("button", name="设为当前图层").click()
    page.get_by_text("地块 6").first.wait_for(timeout=60000)
    screenshot(page, "22_import_confirmed")
    assert page.requests.outside() == []
