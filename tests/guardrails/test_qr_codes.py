"""QR-code invitations versus QR codes as product features."""

from __future__ import annotations

import pytest

from guardrails import normalize
from guardrails.detectors.qr_codes import QrCodeDetector

DETECTOR = QrCodeDetector()


@pytest.mark.parametrize(
    "text",
    [
        "長按識別圖中二維碼，加我微信送贈品",
        "掃碼領取優惠券，二維碼在主圖最後一張",
        "加V领券请扫图中二维码",
        "扫我主页背景图上的二维码，领取老粉专属券",
        "扫一下包装盒上的二维码，加客服登记延保",
        "长按图片识别二维码，可以领延保卡",
        "扫马领红包，马在主图第五张",
        "扫码进群领福利",
        "二维码见详情页最后一张",
        "扫我的收款码付就行",
        "扫描下方二维码关注公众号",
        "我头像就是码，老铁们截图扫一下",
        "用微信扫一扫下面这张图就能加我好友",
        "屏幕上那个黑白方块图案，用手机扫扫就能加群",
        "Scan the QR code on the card to get a free gift",
        "erweima在包装背面，扫一下送运费险",
    ],
)
def test_invitations(text: str) -> None:
    assert DETECTOR.detect(normalize(text)), text


@pytest.mark.parametrize(
    "text",
    [
        "这款扫码枪二维码识别速度快，条码二维码都能扫",
        "這款掃描槍支援一維碼和二維碼，USB隨插即用",
        "手机云台通过蓝牙连接App，不需要扫二维码配对",
        "智能门锁支持扫码开门",
        "收银机自带扫码盒，顾客出示付款码一扫就行",
        "尺码表在详情页",
        "这件是M码，偏大一码",
        "下载官方App后扫机身二维码就能配网",
        "路由器密码在机身底部贴纸上",
    ],
)
def test_features_and_sizes(text: str) -> None:
    assert DETECTOR.detect(normalize(text)) == [], text
