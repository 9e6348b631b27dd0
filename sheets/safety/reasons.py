"""Why a file is refused: one Chinese sentence each, telling the unit what to do."""

from __future__ import annotations

from sheets.safety.limits import MAX_ZIP_MEMBERS, Limits

R_EMPTY = "文件为空（0 字节），可能没有保存成功，请重新保存后再发送。"
R_TRUNCATED = "文件不完整（可能未下载或复制完），请重新发送完整文件。"
R_DAMAGED = "文件已损坏（内部数据校验失败），无法读取，请在 Excel 中重新保存后再发送。"
R_ENCRYPTED = "文件已加密（设置了打开密码），请取消打开密码后重新报送。"
R_HTML = "文件实为网页（HTML）格式，只是扩展名为 .xls，请在 Excel 中“另存为”.xlsx 后重新报送。"
R_XML2003 = "文件实为 Excel 2003 XML 表格格式，请在 Excel 中“另存为”.xlsx 后重新报送。"
R_CSV = "文件实为 CSV 文本（逗号或制表符分隔），不是 Excel 工作簿，请用报送模板填写后保存为 .xlsx 重新报送。"
R_TEXT = "文件是纯文本，不是 Excel 工作簿，请用报送模板填写后保存为 .xlsx 重新报送。"
R_PDF = "文件是 PDF，无法读取其中的数据，请用报送模板填写后发送 Excel 原文件（.xlsx）。"
R_DOCX = "文件是 Word 文档（.docx），不是 Excel 工作簿，请用报送模板填写后保存为 .xlsx 重新报送。"
R_PPTX = "文件是 PowerPoint 演示文稿，不是 Excel 工作簿，请用报送模板填写后保存为 .xlsx 重新报送。"
R_XLSB = "文件是 Excel 二进制工作簿（.xlsb），请在 Excel 中“另存为”.xlsx 后重新报送。"
R_ODS = "文件是 OpenDocument 表格（.ods），请在 WPS 或 Excel 中“另存为”.xlsx 后重新报送。"
R_ARCHIVE = "文件是压缩包，不是 Excel 工作簿，请解压后直接发送其中的 Excel 文件。"
R_ZIP = "文件是 ZIP 压缩格式的其他文件，不是 Excel 工作簿，请用报送模板填写后保存为 .xlsx 重新报送。"
R_DOC = "文件是 Word 文档（.doc），不是 Excel 工作簿，请用报送模板填写后保存为 .xlsx 重新报送。"
R_PPT = "文件是 PowerPoint 演示文稿（.ppt），不是 Excel 工作簿，请用报送模板填写后保存为 .xlsx 重新报送。"
R_MSG = "文件是 Outlook 邮件（.msg），不是 Excel 工作簿，请直接发送其中附带的 Excel 文件。"
R_OLE = "文件是 Word 等其他程序的文件，不是 Excel 工作簿，请用报送模板填写后保存为 .xlsx 重新报送。"
R_OLD_BIFF = "文件是很旧的 Excel 格式（Excel 4.0 或更早），请在 Excel 中“另存为”.xlsx 后重新报送。"
R_RAR = "文件是 RAR 或 7z 压缩包，不是 Excel 工作簿，请解压后直接发送其中的 Excel 文件。"
R_IMAGE = "文件是图片，不是 Excel 工作簿，请用报送模板填写后保存为 .xlsx 重新报送。"
R_RTF = "文件是 RTF 文档，不是 Excel 工作簿，请用报送模板填写后保存为 .xlsx 重新报送。"
R_UNKNOWN = "无法识别的文件格式，不是 Excel 工作簿，请用报送模板填写后保存为 .xlsx 重新报送。"
R_DTD = (
    "文件内含不允许的 XML 声明（DOCTYPE/ENTITY），不是 Excel 正常保存的文件，"
    "请用报送模板重新填写保存后报送。"
)
R_ENCODING = "文件内部编码异常，不是 Excel 正常保存的文件，请在 Excel 中重新保存后报送。"
R_METHOD = "文件使用了 Excel 不会使用的压缩方式，请在 Excel 中重新保存后报送。"
R_BADREF = "文件内部的单元格位置写法异常，不是 Excel 正常保存的文件，请在 Excel 中重新保存后报送。"
R_STRUCTURE = "文件内部结构异常（工作表中有一段超长的无分隔内容），请在 Excel 中重新保存后报送。"


def too_big(size: int, limit: int) -> str:
    return (
        f"文件过大（{size / 2**20:.1f} MB，上限 {limit / 2**20:.0f} MB），不像是报送表，"
        "请删除图片等多余内容后重新保存报送。"
    )


def unzipped_too_big(size: int, limit: int) -> str:
    return (
        f"文件解压后过大（约 {size / 2**20:.0f} MB，上限 {limit / 2**20:.0f} MB），不像是报送表，"
        "请只保留表格内容、在 Excel 中重新保存后报送。"
    )


def ratio_too_high(ratio: int) -> str:
    return (
        f"文件中有异常高度压缩的内容（压缩比超过 {ratio} 倍），不像是 Excel 正常保存的文件，"
        "请只保留表格内容、在 Excel 中重新保存后报送。"
    )


def too_many_members(n: int) -> str:
    return f"文件内部部件过多（{n} 个，上限 {MAX_ZIP_MEMBERS} 个），不像是报送表，请只保留表格内容后重新保存。"


def range_too_big(what: str, ref: str, limits: Limits) -> str:
    return (
        f"工作表范围过大（{what} {ref}，上限 {limits.max_rows} 行 × {limits.max_cols} 列），"
        "不像是报送表，请删除多余的行列、只保留表格内容后重新保存。"
    )


def count_too_big(limits: Limits) -> str:
    return (
        f"工作表范围过大（行数或单元格数超过 {limits.max_rows} 行 × {limits.max_cols} 列），"
        "不像是报送表，请删除多余的行列、只保留表格内容后重新保存。"
    )
