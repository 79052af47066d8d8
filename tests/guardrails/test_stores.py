"""Physical store information versus shipping and return talk."""

from __future__ import annotations

import pytest

from guardrails import normalize
from guardrails.detectors.stores import StoreDetector

DETECTOR = StoreDetector()


@pytest.mark.parametrize(
    "text",
    [
        "我们实体店在杭州市西湖区文三路188号，周末可以过来试穿",
        "上海的顾客可以直接到店自提，地址徐汇区漕溪北路２８８号",
        "线下店📍苏州市姑苏区观前街❤️66号，欢迎来玩",
        "来我们建材城门店看样板，佛山市禅城区季华五路22号",
        "在义乌国际商贸城二区有档口，量大可以来看货",
        "来我们店里挑更方便，南京市鼓楼区中山北路一百零八号",
        "门店地址：广州市天河区天河路385号太古汇3楼",
        "欢迎来我们工厂参观",
        "高德地图搜『恒达文具批发部』，到了喊我",
        "門店地址：台北市大安區忠孝東路四段181號，歡迎來試戴",
        "深圳华强北赛格广场5楼5B28，过来当面验机",
        "我们实体店在成都春熙路，到店有小礼品",
        "花卉基地随时欢迎来挑苗",
        "实T店在北京朝阳大悦城B1，可现场验光",
    ],
)
def test_store_information(text: str) -> None:
    assert DETECTOR.detect(normalize(text)), text


@pytest.mark.parametrize(
    "text",
    [
        "本品不支持门店自提，只能快递配送",
        "请核对一下收货地址，确认无误我们就安排发货",
        "这款从广州仓发出，到北方大概三四天",
        "退货地址：杭州市余杭区文一西路969号",
        "进店铺首页有满减活动",
        "收藏店铺的老铁下单送小礼物",
        "您的收货地址是北京市朝阳区建国路88号吗",
        "官方旗舰店正品保障",
    ],
)
def test_shipping_and_shop_pages(text: str) -> None:
    assert DETECTOR.detect(normalize(text)) == [], text
