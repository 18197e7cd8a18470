"""The keyword classifier as it was before comments were read by stems (one category, substrings): the baseline of
bench/loop_classifier.py, kept verbatim so the comparison runs in the same process."""

import re
import unicodedata

from customers.models import NeedCategory, NeedKind

# Arabic and Persian write some letters differently (ي/ی, ك/ک, ة/ه); compare in one form.
_FOLD = str.maketrans({"ي": "ی", "ى": "ی", "ك": "ک", "ة": "ه", "أ": "ا", "إ": "ا", "آ": "ا", "ؤ": "و", "\u200c": " "})

KEYWORDS = {
    NeedCategory.DELIVERY: [
        "deliver",
        "shipping",
        "shipment",
        "late",
        "arrive",
        "courier",
        "parcel",
        "package",
        "ارسال",
        "تحویل",
        "پست",
        "دیر",
        "بسته",
        "تاخیر",
        "تأخیر",
        "توصیل",
        "الشحن",
        "شحن",
        "تاخر",
        "تأخر",
        "الطرد",
        "وصول",
    ],
    NeedCategory.PRICE: [
        "price",
        "expensive",
        "cost",
        "discount",
        "cheap",
        "قیمت",
        "گران",
        "گرون",
        "تخفیف",
        "هزینه",
        "سعر",
        "غالی",
        "غالي",
        "خصم",
        "تکلفه",
        "تكلفة",
    ],
    NeedCategory.QUALITY: [
        "quality",
        "broken",
        "defect",
        "damaged",
        "poor",
        "faulty",
        "کیفیت",
        "خراب",
        "معیوب",
        "شکسته",
        "بی کیفیت",
        "جوده",
        "جودة",
        "مکسور",
        "مكسور",
        "تالف",
        "عیب",
        "عيب",
    ],
    NeedCategory.PRODUCT_REQUEST: [
        "wish",
        "would like",
        "please add",
        "feature",
        "size",
        "colour",
        "color",
        "new model",
        "کاش",
        "ای کاش",
        "رنگ",
        "سایز",
        "مدل جدید",
        "اضافه کنید",
        "اتمنی",
        "أتمنى",
        "لون",
        "مقاس",
        "موديل",
        "اضافه",
    ],
    NeedCategory.SUPPORT: [
        "support",
        "answer",
        "rude",
        "service",
        "respond",
        "help",
        "پشتیبانی",
        "پاسخ",
        "جواب",
        "خدمات",
        "برخورد",
        "الدعم",
        "دعم",
        "رد",
        "خدمه",
        "خدمة",
        "المساعده",
    ],
    NeedCategory.PAYMENT: [
        "payment",
        "refund",
        "charged",
        "card",
        "invoice",
        "پرداخت",
        "بازپرداخت",
        "کارت",
        "فاکتور",
        "درگاه",
        "الدفع",
        "دفع",
        "استرداد",
        "بطاقه",
        "بطاقة",
        "فاتوره",
        "فاتورة",
    ],
    NeedCategory.WEBSITE: [
        "website",
        "site",
        "login",
        "checkout",
        "app",
        "page",
        "سایت",
        "وبسایت",
        "ورود",
        "صفحه",
        "اپلیکیشن",
        "الموقع",
        "موقع",
        "تسجیل",
        "تطبیق",
        "تطبيق",
        "صفحه",
    ],
    NeedCategory.INFORMATION: [
        "information",
        "manual",
        "instructions",
        "explain",
        "details",
        "اطلاعات",
        "راهنما",
        "توضیح",
        "مشخصات",
        "معلومات",
        "دلیل",
        "دليل",
        "شرح",
        "تفاصیل",
        "تفاصيل",
    ],
}

TITLES = {
    NeedCategory.DELIVERY: "Delivery on time and in good shape",
    NeedCategory.PRICE: "Prices and offers that suit",
    NeedCategory.QUALITY: "Product quality",
    NeedCategory.PRODUCT_REQUEST: "Products and options customers ask for",
    NeedCategory.SUPPORT: "Faster, friendlier support",
    NeedCategory.PAYMENT: "Smooth payment and refunds",
    NeedCategory.WEBSITE: "An easier website",
    NeedCategory.INFORMATION: "Clearer product information",
    NeedCategory.OTHER: "Other feedback",
}


def fold(text: str) -> str:
    text = unicodedata.normalize("NFKC", text or "").lower().translate(_FOLD)
    return re.sub(r"[\u064b-\u0652\u0670]", "", text)  # drop Arabic diacritics


_CATEGORY_OF = {fold(word): category for category, words in KEYWORDS.items() for word in words}
# One pass over the text: every keyword of every category in one alternation, longest first.
_KEYWORD_RE = re.compile("|".join(re.escape(word) for word in sorted(_CATEGORY_OF, key=len, reverse=True)))


def classify(text: str) -> str:
    """The category whose keywords appear most often in ``text``; ``other`` when none does."""
    if not text:
        return NeedCategory.OTHER
    hits: dict[str, int] = {}
    for match in _KEYWORD_RE.finditer(fold(text)):
        category = _CATEGORY_OF[match.group()]
        hits[category] = hits.get(category, 0) + 1
    if not hits:
        return NeedCategory.OTHER
    order: list[str] = list(KEYWORDS)
    return max(hits, key=lambda category: (hits[category], -order.index(category)))


def kind_for(category: str, *, unhappy: bool) -> str:
    if category == NeedCategory.PRODUCT_REQUEST:
        return NeedKind.WANT
    return NeedKind.COMPLAINT if unhappy else NeedKind.NEED
