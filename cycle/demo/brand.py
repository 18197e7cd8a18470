"""The demo shop's brand, in English, Persian and Arabic (kept as it is when one was written already)."""

from emarketing.brand.models import Brand
from emarketing.brand.services import brand_update


def demo_brand() -> None:
    if Brand.objects.exists():
        return
    brand_update(
        name="Saffron & Tea House",
        name_fa="خانه زعفران و چای",
        name_ar="بيت الزعفران والشاي",
        sender_name="Saffron & Tea House",
        sender_name_fa="خانه زعفران و چای",
        sender_name_ar="بيت الزعفران والشاي",
        address="12 Valiasr Street\nTehran 15118, Iran",
        address_fa="تهران، خیابان ولیعصر، پلاک ۱۲\nکد پستی ۱۵۱۱۸",
        address_ar="طهران، شارع ولي عصر، رقم ١٢",
        footer="Fine saffron and tea since 1998.",
        footer_fa="زعفران و چای مرغوب از ۱۳۷۷.",
        footer_ar="زعفران وشاي فاخر منذ ١٩٩٨.",
        primary_colour="#8B1E3F",
        accent_colour="#E0A526",
    )
