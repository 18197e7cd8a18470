"""The demo company's capture form: the tea club, in English, Persian and Arabic, double opt-in, e-mail consent."""

from customers.models import CaptureForm, CaptureFormText, FormConsentWording

SLUG = "tea-club"
TEXTS = {
    "en": (
        "Join our tea club",
        "New teas, brewing tips and club prices, once or twice a month.",
        "Yes, e-mail me the tea club's news and offers. I can unsubscribe at any time.",
    ),
    "fa": (
        "به باشگاه چای ما بپیوندید",
        "چای‌های تازه، نکته‌های دم‌کردن و قیمت‌های ویژهٔ اعضا، یکی دو بار در ماه.",
        "بله، خبرها و پیشنهادهای باشگاه چای را برایم ایمیل کنید. هر زمان بخواهم می‌توانم لغو کنم.",
    ),
    "ar": (
        "انضم إلى نادي الشاي",
        "أنواع شاي جديدة ونصائح للتحضير وأسعار خاصة للأعضاء، مرة أو مرتين في الشهر.",
        "نعم، أرسلوا لي أخبار نادي الشاي وعروضه بالبريد الإلكتروني. يمكنني إلغاء الاشتراك في أي وقت.",
    ),
}


def demo_capture_form() -> CaptureForm:
    """The tea club's form (idempotent: made once, left as staff changed it)."""
    form, created = CaptureForm.objects.get_or_create(
        slug=SLUG,
        defaults={
            "name": "Tea club",
            "fields": ["last_name", "city", "birthday", "topics"],
            "channels": ["email"],
            "double_opt_in": True,
        },
    )
    if created:
        for language, (title, intro, wording) in TEXTS.items():
            CaptureFormText.objects.create(form=form, language=language, title=title, intro=intro)
            FormConsentWording.objects.create(form=form, language=language, channel="email", text=wording)
    return form
