"""The demo company's help pages: FAQ entries by topic in three languages, and a few community questions (some
answered, one waiting for moderation), written through the community services. Idempotent: found by title."""

from aftersales.models import CommunityQuestion, FaqEntry
from aftersales.services import community
from campaigns.models import Topic

# (topic slug, position, (title, answer) in English, Persian and Arabic)
FAQ = [
    (
        "delivery",
        1,
        ("How long does delivery take?", "Two to four working days in the country; we send a tracking link."),
        ("ارسال سفارش چند روز طول می‌کشد؟", "دو تا چهار روز کاری در سراسر کشور؛ لینک پیگیری برایتان می‌فرستیم."),
        ("كم يستغرق التوصيل؟", "من يومين إلى أربعة أيام عمل داخل البلاد، ونرسل لك رابط التتبع."),
    ),
    (
        "delivery",
        2,
        ("Can I pay on delivery?", "Yes: by card or cash at the door, in every city we deliver to."),
        ("آیا می‌توانم هنگام تحویل پرداخت کنم؟", "بله، با کارت یا نقد دمِ در، در همه‌ی شهرهایی که ارسال داریم."),
        ("هل يمكنني الدفع عند الاستلام؟", "نعم، بالبطاقة أو نقداً عند الباب في كل المدن التي نوصل إليها."),
    ),
    (
        "gifts",
        1,
        ("Do you wrap gifts?", "Every gift box comes wrapped, with a card in your own words."),
        ("آیا هدیه‌ها را کادوپیچ می‌کنید؟", "همه‌ی جعبه‌های هدیه کادوپیچ‌شده و با کارتی به قلم شما ارسال می‌شوند."),
        ("هل تغلفون الهدايا؟", "كل علب الهدايا تصل مغلفة مع بطاقة بكلماتك."),
    ),
    (
        "care",
        1,
        ("How do I clean a kilim rug?", "Shake it out, vacuum both sides gently, and wash stains with cold water."),
        ("گلیم را چطور تمیز کنم؟", "آن را بتکانید، هر دو رو را آرام جاروبرقی بکشید و لکه‌ها را با آب سرد بشویید."),
        ("كيف أنظف سجادة الكليم؟", "انفضها، ونظف الوجهين بالمكنسة برفق، واغسل البقع بماء بارد."),
    ),
]

# (language, title, asker, answer by the team or "" for a question still waiting for moderation)
QUESTIONS = [
    ("en", "Is the saffron tea caffeine-free?", "Emma", "It is a blend with black tea, so it has some caffeine."),
    ("fa", "چای زعفرانی کافئین دارد؟", "مریم", "ترکیبی با چای سیاه است و کمی کافئین دارد."),
    ("ar", "هل التمر من محصول هذا العام؟", "خالد", "نعم، كل التمور من محصول هذا الموسم."),
    ("fa", "فانوس مسی برای بیرون از خانه مناسب است؟", "رضا", ""),
]


def seed_community() -> None:
    topics = {topic.slug: topic for topic in Topic.objects.all()}
    for slug, position, english, persian, arabic in FAQ:
        if FaqEntry.objects.filter(title=english[0]).exists():
            continue
        community.faq_entry_save(
            entry=FaqEntry(
                topic=topics.get(slug),
                position=position,
                title=english[0],
                answer=english[1],
                title_fa=persian[0],
                answer_fa=persian[1],
                title_ar=arabic[0],
                answer_ar=arabic[1],
                published=True,
            )
        )
    for language, title, asker, answer in QUESTIONS:
        if CommunityQuestion.objects.filter(title=title).exists():
            continue
        question = community.question_ask(title=title, asker_name=asker, language=language)
        if answer:
            community.question_approve(question=question)
            best = community.answer_add(question=question, body=answer, author_name="Team")
            community.answer_approve(answer=best)
            community.answer_mark_best(answer=best)
