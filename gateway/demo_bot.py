"""A small FAQ bot for the demo shop. It answers the gateway's bot protocol and runs inside the
gateway process, so a newcomer can try the whole path with nothing else running."""

from __future__ import annotations

from aiohttp import web

FAQ: tuple[tuple[tuple[str, ...], str], ...] = (
    (
        ("发货", "几天到", "什么时候到", "物流", "快递"),
        "亲，现货商品付款后48小时内发货，发货后一般2-4天送达，可在订单详情里查看物流进度哦。",
    ),
    (
        ("退货", "退款", "换货", "七天无理由", "退换"),
        "支持七天无理由退换货（商品完好、不影响二次销售）。请在订单详情页点击“申请售后”提交即可。",
    ),
    (
        ("尺码", "码数", "多大", "偏大", "偏小", "身高", "体重"),
        "亲，尺码请参考商品详情页的尺码表；告诉我您的身高体重，我帮您推荐合适的码数。",
    ),
    (
        ("发票", "开票", "抬头"),
        "可以开具电子发票。下单时填写发票抬头和税号，确认收货后发票会发送到订单详情里。",
    ),
    (
        ("优惠", "优惠券", "便宜", "满减", "活动"),
        "目前店铺有满199减20的活动，领券入口在商品详情页“优惠”一栏，下单时会自动抵扣。",
    ),
    (
        ("地址", "改地址", "收货地址"),
        "订单发货前可以在订单详情里修改收货地址；如果已经发货，请联系在线客服为您处理。",
    ),
    (("保修", "质保", "维修"), "本店商品享受一年质保，质保期内非人为损坏可免费维修或更换。"),
)
DEFAULT_ANSWER = "亲，您的问题我记下了。您可以问我发货、退换货、尺码、发票、优惠等问题哦。"


def answer_for(text: str) -> str:
    for keywords, answer in FAQ:
        if any(keyword in text for keyword in keywords):
            return answer
    return DEFAULT_ANSWER


async def answer(request: web.Request) -> web.Response:
    try:
        data = await request.json()
        text = str(data["text"])
    except (ValueError, KeyError, TypeError):
        return web.json_response({"error": 'expected {"text": ...}'}, status=400)
    return web.json_response({"text": answer_for(text)})


def create_demo_bot() -> web.Application:
    app = web.Application()
    app.router.add_post("/answer", answer)
    return app
