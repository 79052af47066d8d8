"""Messenger contacts and their disguises; mentions of messengers that are not contacts."""

from __future__ import annotations

import pytest

from guardrails import normalize
from guardrails.detectors.messengers import MessengerDetector

DETECTOR = MessengerDetector()


def rules(text: str) -> list[str]:
    return [f.rule for f in DETECTOR.detect(normalize(text))]


@pytest.mark.parametrize(
    "text",
    [
        "加我微信 abc12345 送小样",
        "加我V信：ａｂｃ１２３",
        "团购加我微❤信：tg❤8899 登记",
        "私人定制款加我 ＶＸ：ｚｈｅｎｇ＿ｌａｏｂａｎ 细聊",
        "wx: shop_888 发你细节",
        "薇信号 meimei520",
        "威信 xiaoli_88",
        "想要同款的老铁➕V 🌟xk🌟2288🌟",
        "+V: kefu001",
        "扣扣：九八七六五四三二一",
        "QQ 123456789 联系",
        "企鹅号 55667788",
        "进Q群 776655443 领福利",
        "企业采购请添加飞书 zhangwei-caigou 对接",
        "加客服企业微信登记延保",
        "加我微信详聊",
        "vx聊",
        "微信联系我",
        "關注我們的公眾號領券",
        "加我微\u200b信 lily\u200b_2023",
        "加个绿泡泡，发你视频",
        "加tg：@beauty_vip_club",
        "加卫星 ksmoto01 ，改装件实拍发你",
        "+vx：kszb6677，拉你进福利群",
        "加❤️信 zhenzhu_mama",
        "咱有Q群，群号 ⑦⑥⑤⑧②③⑨⓪",
        "加我V，V号就是手机号",
        "可以 WhatsApp 我",
    ],
)
def test_contacts_are_found(text: str) -> None:
    assert rules(text), text


@pytest.mark.parametrize(
    "text",
    [
        "这款手表能接收微信消息",
        "支持微信支付和支付宝",
        "可以用微信登录App",
        "这款平板支持微信视频通话",
        "耳机支持微信语音通话降噪",
        "相机拍完能直接传到手机，发微信朋友圈很方便",
        "翻译机可以把微信语音转成文字",
        "two xl sizes left",
        "qqmusic 会员",
        "联系在线客服咚咚",
        "您好，有问题请在飞鸽留言",
        "这本书的作者是微信读书推荐的",
        "产品可以通过微信小程序绑定设备",
        "V领毛衣偏修身",
        "直播回放在 v.douyin.com/iRk2Ab3",
        "卫星导航很准",
        "增加信心",
        "京东快递JDVA12345678901",
    ],
)
def test_mentions_that_are_not_contacts(text: str) -> None:
    assert rules(text) == [], text
