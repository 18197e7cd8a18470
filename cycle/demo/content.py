"""What the demo company sells, says and writes: products, feedback, e-mails, information pages, places."""

PRODUCTS = [
    ("DEMO-TEA-01", "Saffron tea gift box", "Food", "18.50"),
    ("DEMO-TEA-02", "Cardamom tea", "Food", "9.90"),
    ("DEMO-DAT-01", "Medjool dates, 1 kg", "Food", "14.00"),
    ("DEMO-PIS-01", "Roasted pistachios", "Food", "12.75"),
    ("DEMO-RUG-01", "Hand-woven kilim rug", "Home", "240.00"),
    ("DEMO-LMP-01", "Copper lantern", "Home", "65.00"),
    ("DEMO-CER-01", "Turquoise ceramic bowl", "Home", "32.00"),
    ("DEMO-PER-01", "Rose water perfume", "Beauty", "45.00"),
    ("DEMO-SOA-01", "Olive oil soap set", "Beauty", "11.00"),
    ("DEMO-BOK-01", "Calligraphy starter kit", "Hobbies", "27.00"),
    ("DEMO-SCF-01", "Silk scarf", "Fashion", "58.00"),
    ("DEMO-BAG-01", "Leather satchel", "Fashion", "120.00"),
]
# The products' names for Persian and Arabic readers, by SKU.
PRODUCT_TRANSLATIONS = {
    "DEMO-TEA-01": {"name_fa": "جعبه هدیه چای زعفرانی", "name_ar": "علبة هدايا شاي الزعفران"},
    "DEMO-TEA-02": {"name_fa": "چای هل", "name_ar": "شاي الهيل"},
    "DEMO-DAT-01": {"name_fa": "خرمای مجول، یک کیلوگرم", "name_ar": "تمر مجدول، كيلوغرام واحد"},
    "DEMO-PIS-01": {"name_fa": "پسته بوداده", "name_ar": "فستق محمص"},
    "DEMO-RUG-01": {"name_fa": "گلیم دستباف", "name_ar": "بساط كليم منسوج يدويًا"},
    "DEMO-LMP-01": {"name_fa": "فانوس مسی", "name_ar": "فانوس نحاسي"},
    "DEMO-CER-01": {"name_fa": "کاسه سرامیکی فیروزه‌ای", "name_ar": "وعاء خزفي فيروزي"},
    "DEMO-PER-01": {"name_fa": "عطر گلاب", "name_ar": "عطر ماء الورد"},
    "DEMO-SOA-01": {"name_fa": "مجموعه صابون روغن زیتون", "name_ar": "طقم صابون زيت الزيتون"},
    "DEMO-BOK-01": {"name_fa": "بسته آغاز خوشنویسی", "name_ar": "عدة المبتدئين في الخط العربي"},
    "DEMO-SCF-01": {"name_fa": "روسری ابریشمی", "name_ar": "وشاح حريري"},
    "DEMO-BAG-01": {"name_fa": "کیف چرمی دوشی", "name_ar": "حقيبة جلدية"},
}

COMMENTS = {
    "en": [
        ("The parcel arrived late and the box was damaged.", 2, 4),
        ("Prices are a bit expensive compared to other shops.", 3, 6),
        ("Great quality, I will buy again!", 5, 10),
        ("I wish you had this in another colour.", 4, 8),
        ("Support took three days to answer my question.", 2, 3),
        ("", 5, 9),
    ],
    "fa": [
        ("ارسال خیلی دیر انجام شد و بسته آسیب دیده بود.", 2, 3),
        ("قیمت‌ها کمی گران است، کاش تخفیف بیشتری بود.", 3, 6),
        ("کیفیت عالی بود، ممنونم!", 5, 10),
        ("کاش رنگ‌های بیشتری داشتید.", 4, 8),
        ("پشتیبانی دیر جواب داد.", 2, 4),
        ("", 4, 9),
    ],
    "ar": [
        ("تأخر التوصيل كثيراً ووصل الطرد تالفاً.", 2, 3),
        ("الأسعار غالية قليلاً.", 3, 5),
        ("جودة ممتازة، شكراً لكم!", 5, 10),
        ("أتمنى لو كان هناك لون آخر.", 4, 8),
        ("الدعم لم يرد على رسالتي.", 1, 2),
        ("", 5, 9),
    ],
}

TICKETS = {
    "en": ("Where is my order?", "I ordered ten days ago and nothing has arrived yet."),
    "fa": ("سفارش من کجاست؟", "ده روز پیش سفارش دادم و هنوز بسته نرسیده است."),
    "ar": ("أين طلبي؟", "طلبت منذ عشرة أيام ولم يصل الطرد بعد."),
}

EMAILS = {
    "en": (
        "A gift for you, {{ customer.first_name }}",
        "<p>Hello {{ customer.first_name }}, our spring offer is here.</p>",
    ),
    "fa": (
        "هدیه‌ای برای شما، {{ customer.first_name }}",
        "<p>سلام {{ customer.first_name }}، پیشنهاد بهاری ما رسید.</p>",
    ),
    "ar": ("هدية لك يا {{ customer.first_name }}", "<p>مرحباً {{ customer.first_name }}، وصل عرض الربيع.</p>"),
}

LOCATIONS = {
    "en": [("GB", "England", "London", "Europe/London"), ("US", "New York", "New York", "America/New_York")],
    "fa": [("IR", "Tehran", "Tehran", "Asia/Tehran"), ("IR", "Isfahan", "Isfahan", "Asia/Tehran")],
    "ar": [("SA", "Riyadh", "Riyadh", "Asia/Riyadh"), ("AE", "Dubai", "Dubai", "Asia/Dubai")],
}


# Information pages by topic (the "information" step of AIDA), each in English, Persian and Arabic.
INFO_PAGES = {
    ("gifts", "Gifts and occasions"): {
        "en": (
            "Choosing a gift for every occasion",
            "<p>Birthdays, Nowruz, Eid or a wedding anniversary: our gift boxes come wrapped, with a card in "
            "your words. Order three days ahead and we deliver on the day.</p>",
        ),
        "fa": (
            "انتخاب هدیه برای هر مناسبت",
            "<p>تولد، نوروز، عید یا سالگرد ازدواج: جعبه‌های هدیهٔ ما کادوپیچ‌شده و با کارتی به قلم شما "
            "می‌رسند. سه روز زودتر سفارش دهید تا همان روز تحویل بگیرید.</p>",
        ),
        "ar": (
            "اختيار هدية لكل مناسبة",
            "<p>أعياد الميلاد أو النوروز أو العيد أو ذكرى الزواج: تصل علب الهدايا لدينا مغلّفة مع بطاقة "
            "بكلماتك. اطلب قبل ثلاثة أيام ونوصلها في اليوم نفسه.</p>",
        ),
    },
    ("delivery", "Delivery and returns"): {
        "en": (
            "How delivery and returns work",
            "<p>Parcels leave our warehouse within one working day and arrive in two to five days. You can "
            "return anything unused within 14 days; we collect it free of charge.</p>",
        ),
        "fa": (
            "ارسال و مرجوعی چگونه است",
            "<p>بسته‌ها ظرف یک روز کاری از انبار ما ارسال می‌شوند و دو تا پنج روزه می‌رسند. هر کالای "
            "استفاده‌نشده را تا ۱۴ روز می‌توانید پس بدهید؛ ما رایگان آن را تحویل می‌گیریم.</p>",
        ),
        "ar": (
            "كيف يتم التوصيل والإرجاع",
            "<p>تغادر الطرود مستودعنا خلال يوم عمل واحد وتصل خلال يومين إلى خمسة أيام. يمكنك إرجاع أي منتج "
            "غير مستعمل خلال ١٤ يوماً، ونستلمه منك مجاناً.</p>",
        ),
    },
    ("care", "Caring for handmade goods"): {
        "en": (
            "Caring for your kilim and ceramics",
            "<p>Shake a kilim outdoors and turn it every few months so it wears evenly. Wash glazed ceramics "
            "by hand in warm water; avoid sudden changes of temperature.</p>",
        ),
        "fa": (
            "نگهداری از گلیم و سرامیک",
            "<p>گلیم را در هوای آزاد بتکانید و هر چند ماه یک بار جابه‌جا کنید تا یکنواخت کهنه شود. "
            "سرامیک لعاب‌دار را با دست و آب ولرم بشویید و از تغییر ناگهانی دما دور نگه دارید.</p>",
        ),
        "ar": (
            "العناية بالكليم والخزف",
            "<p>انفض الكليم في الهواء الطلق وقم بتدويره كل بضعة أشهر ليتآكل بالتساوي. اغسل الخزف المزجج "
            "يدوياً بماء دافئ وتجنّب التغيرات المفاجئة في الحرارة.</p>",
        ),
    },
}

# The topics' names and descriptions in Persian and Arabic, as the preference centre and the topic pages show them.
TOPIC_TRANSLATIONS = {
    "gifts": {
        "description": "Gift boxes, cards and delivery on the day, for every occasion.",
        "name_fa": "هدیه‌ها و مناسبت‌ها",
        "description_fa": "جعبه‌های هدیه، کارت و تحویل در همان روز، برای هر مناسبت.",
        "name_ar": "الهدايا والمناسبات",
        "description_ar": "علب الهدايا والبطاقات والتوصيل في اليوم نفسه، لكل مناسبة.",
    },
    "delivery": {
        "description": "When parcels arrive, and how to send something back.",
        "name_fa": "ارسال و مرجوعی",
        "description_fa": "بسته‌ها کی می‌رسند و چگونه کالایی را پس بفرستید.",
        "name_ar": "التوصيل والإرجاع",
        "description_ar": "متى تصل الطرود، وكيف تعيد منتجاً.",
    },
    "care": {
        "description": "How to keep kilims and ceramics beautiful for years.",
        "name_fa": "نگهداری از کالاهای دست‌ساز",
        "description_fa": "چگونه گلیم و سرامیک را سال‌ها زیبا نگه دارید.",
        "name_ar": "العناية بالمنتجات اليدوية",
        "description_ar": "كيف تحافظ على جمال الكليم والخزف لسنوات.",
    },
}
