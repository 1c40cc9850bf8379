package screening

import (
	"strings"
	"sync"

	"github.com/chainfi/chainguard/shared/sanctions"
)

// commonArabicNames are the commonest given names and family names of the
// Arab world, Iran, Afghanistan and Pakistan, as they are written in
// Arabic script. One such word never singles out a listed name on its
// own, however few listed words share its consonants: محمد is rare among
// the words of the lists only because they write it in Latin letters
// (abjadCap), and a company is not found by a given name (abjadWordSingles).
// The list is written from common knowledge of the names' frequency, not
// from any labelled set.
var commonArabicNames = strings.Fields(`
محمد محمّد احمد أحمد محمود مصطفى مصطفی علي علی حسن حسين حسین عمر عثمان
خالد ابراهيم إبراهيم ابراهیم يوسف یوسف سعيد سعید سعد سالم صالح ناصر فهد
فيصل سلطان عادل طارق كريم کریم ماجد وليد هاني سامي سمير نبيل جمال كمال
رامي زياد بلال حمزة انس أنس عمار ياسر اسامة أسامة مازن فادي رياض عماد
نادر منصور جابر عيسى موسى موسی اسماعيل إسماعيل اسماعیل يحيى یحیی زكريا
سليمان سلیمان داود داوود مراد رشيد حميد حمید مجيد مجید عزيز عزیز نور
جعفر عباس قاسم هادي هادی مهدي مهدی رضا كاظم کاظم باقر صادق حيدر حیدر
عدنان ياسين یاسین ايمن أيمن هشام حسام وائل عامر بشير نزار غسان مروان
شريف اشرف أشرف عصام امير أمير امیر جواد مرتضى مرتضی مجتبى مجتبی حامد
وحيد وحید مسعود اكبر اکبر اصغر محسن نصير نصیر بشیر شاه خان ملک
فاطمة فاطمه عائشة عایشه مريم مریم زينب زینب خديجة سارة سارا ليلى لیلا
هدى امل أمل نرگس زهرا زهراء
محمدی محمدي حسینی حسيني احمدی احمدي رضایی رضائی موسوی موسوي جعفری
جعفري کریمی كريمي رحیمی رحيمي هاشمی هاشمي قاسمی قاسمي صادقی صادقي
مرادی مرادي اکبری عباسی عباسي نوری نوري کاظمی كاظمي طاهری طاهري
سلیمانی سليماني حیدری حيدري نجفی نجفي امینی اميني ابراهیمی ابراهيمي
اسماعیلی اسماعيلي یوسفی يوسفي علوی علوي رستمی شریفی شريفي باقری
صالحی صالحي سعیدی سعيدي رحمانی رحماني منصوری منصوري امیری اميري
محمودی محمودي علیزاده عزیزی سلطانی قربانی یزدانی نظری غلامی
الأحمد الاحمد العلي الحسن الحسين المحمد الخطيب النجار الحداد حداد
المصري العراقي الشامي الحلبي التميمي العمري الشمري العتيبي القحطاني
الغامدي الزهراني الحربي المطيري الدوسري السعدي الكبيسي الجبوري الدليمي
العبيدي البغدادي الهاشمي الموسوي الحسيني المالكي العنزي
غلام خليل حبيب رحيم میرزا قریشی اقبال اسلم گل نورى
`)

// commonArabicWords is commonArabicNames transliterated as queries are.
var commonArabicWords = sync.OnceValue(func() map[string]bool {
	m := make(map[string]bool, len(commonArabicNames))
	for _, n := range commonArabicNames {
		for _, t := range PrepareName(n, sanctions.TypePerson) {
			if t.Text != "al" {
				m[t.Text] = true
			}
		}
	}
	return m
})
